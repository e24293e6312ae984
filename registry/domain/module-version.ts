/** A published module version: what the GOPROXY read side serves. */
export interface ModuleVersion {
  owner: string;
  modulePath: string;
  version: string;
  blobSha256: string;
  zipSize: number;
  zipHash: string;
  /** undefined when the zip has no go.mod (the proxy serves a synthesized one). */
  goMod: Buffer | undefined;
  goModHash: string;
  createdAt: Date;
}

export type NewModuleVersion = Omit<ModuleVersion, 'createdAt'>;

export interface VersionSummary {
  version: string;
  createdAt: Date;
}
