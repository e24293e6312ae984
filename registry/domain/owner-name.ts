/** Owner names: lowercase letters, digits, "-", "_" and "."; 1–64 characters; not only dots. */
const OWNER = /^[a-z0-9._-]{1,64}$/;

export function checkOwnerName(owner: string): string | undefined {
  if (!OWNER.test(owner) || /^\.+$/.test(owner)) {
    return `invalid owner name "${owner}": use 1-64 lowercase letters, digits, "-", "_" or "."`;
  }
  return undefined;
}
