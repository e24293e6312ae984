// Generates the chart's CRD templates from crds/, the single source (Helm cannot read outside the
// chart). Each CRD is wrapped in `crds.install` and kept on uninstall, as cert-manager and
// CloudNativePG do. `node scripts/generate-chart-crds.mjs --check` fails when a template is stale
// (the chart tests run the same check).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const templates = path.join(root, 'charts', 'go-registry', 'templates');

export function chartCrdTemplate(source) {
  if (source.includes('{{')) throw new Error('a CRD contains "{{", which Helm would read as a template action');
  const body = source.replace(/^(#.*\n)+/, '').replace(/^---\n/, '');
  const metadata = /^metadata:\n  name: (\S+)\n/m;
  if (!metadata.test(body)) throw new Error('expected "metadata:" followed by "  name:" in the CRD');
  const withMetadata = body.replace(
    metadata,
    (_, name) =>
      `metadata:\n  name: ${name}\n  labels:\n    {{- include "go-registry.labels" . | nindent 4 }}\n` +
      '  annotations:\n    # Upgrades apply it; uninstall never deletes it, nor the resources kept in git.\n' +
      '    helm.sh/resource-policy: keep\n',
  );
  return `{{- /* Generated from crds/ by scripts/generate-chart-crds.mjs: edit the source, not this file. */}}\n{{- if .Values.crds.install }}\n${withMetadata.trimEnd()}\n{{- end }}\n`;
}

export function expectedCrdTemplates() {
  const dir = path.join(root, 'crds');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const plural = f.replace(/\.yaml$/, '').split('_')[1];
      return { file: path.join(templates, `crd-${plural}.yaml`), text: chartCrdTemplate(readFileSync(path.join(dir, f), 'utf8')) };
    });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const { file, text } of expectedCrdTemplates()) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {}
    if (current === text) continue;
    if (check) {
      console.error(`${path.relative(root, file)} is stale: run node scripts/generate-chart-crds.mjs`);
      stale++;
    } else {
      writeFileSync(file, text);
      console.log(`wrote ${path.relative(root, file)}`);
    }
  }
  process.exit(stale ? 1 : 0);
}
