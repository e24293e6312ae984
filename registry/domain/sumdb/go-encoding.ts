/**
 * Byte-level helpers that behave as Go's standard library does where the checksum
 * database depends on it: base64.StdEncoding (padding required, '\r' and '\n'
 * ignored, non-zero trailing bits accepted) and utf8 decoding (invalid sequences,
 * overlong forms and surrogates refused). Node's own base64 decoder accepts far more
 * (missing padding, the URL alphabet, stray characters), so it is only used on input
 * these checks have passed.
 */

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** base64.StdEncoding.DecodeString: the bytes, or undefined where Go returns an error. */
export function decodeStdBase64(s: string): Buffer | undefined {
  const stripped = s.replace(/[\r\n]/g, '');
  return STD_BASE64.test(stripped) ? Buffer.from(stripped, 'base64') : undefined;
}

export const encodeStdBase64 = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of valid UTF-8 bytes (a leading BOM kept), or undefined. */
export function decodeUtf8(data: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(data);
  } catch {
    return undefined;
  }
}

/** Whether text has an ASCII control character (below U+0020) other than newline. */
export const hasControlOtherThanNewline = (text: string) => /[\x00-\x09\x0b-\x1f]/.test(text);

/** Bytes as Latin-1 text, one character per byte, for parsing ASCII syntax without decoding. */
export const bytesAsLatin1 = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');

export const toBytes = (data: Uint8Array | string): Buffer =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/** Big-endian uint32 of the first four bytes. */
export const readUint32BE = (data: Uint8Array) => ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0;

export function uint32BE(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** %08x */
export const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
