/**
 * Chromium from Debian's package (/usr/bin/chromium, installed by
 * scripts/setup-test-machine.sh), driven headless by playwright-core; axe-core run in
 * the page for the accessibility check. A missing browser fails the suite with a message.
 */
import { access, constants, mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './paths.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots kept as test artifacts (gitignored). */
export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'ui');

export async function launchChromium(): Promise<Browser> {
  try {
    await access(CHROMIUM, constants.X_OK);
  } catch {
    throw new Error(`Chromium is needed at ${CHROMIUM} for the web UI's browser tests: run scripts/setup-test-machine.sh (apt-get install chromium), or set CHROMIUM_PATH`);
  }
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core's WCAG 2 A/AA and best-practice rules on the page; the serious and critical
 * violations. Evaluated through the DevTools protocol, which the page's CSP (no inline
 * script) does not govern.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const result = (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] } })`)) as { violations: AxeViolation[] };
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
