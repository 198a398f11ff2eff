import { fileTypeFromBuffer } from 'file-type';

/**
 * What an uploaded file really is, from its bytes (file-type's magic numbers), compared with what
 * its name and declared type claim. Executables are refused whatever their name; other mismatches
 * (a ZIP named .png) are kept but flagged and served as opaque bytes. Nothing is ever served with a
 * type a browser would render as a page (HTML, SVG, XML): the served type is from a short allowlist.
 */
export type Verdict =
  | { ok: false; reason: string; detectedType: string | null }
  | { ok: true; detectedType: string | null; servedType: string; flagged: boolean; flagReason: string | null; isText: boolean };

const EXECUTABLE_EXTS = new Set(['exe', 'elf', 'macho', 'mach', 'msi', 'dex', 'class', 'swf', 'apk', 'dll', 'com', 'scr', 'cab']);
const EXECUTABLE_MIMES = /^application\/(x-msdownload|x-dosexec|x-elf|x-executable|x-mach-binary|x-msi|vnd\.microsoft\.portable-executable|x-sharedlib|vnd\.android\.package-archive|x-shockwave-flash|java-vm)$/;
const EXECUTABLE_NAMES = /\.(exe|dll|scr|com|msi|bat|cmd|ps1|vbs|vbe|jse?|wsf|hta|lnk|jar|apk|app|sh)$/i;

/** Binary types served as themselves (attachment, nosniff) when the name agrees. */
const SAFE_BINARY: Record<string, string[]> = {
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
  'application/zip': ['zip'],
  'application/gzip': ['gz', 'tgz'],
};
const IMAGE_OR_DOC_EXTS = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp', 'pdf', 'bmp', 'tif', 'tiff', 'heic', 'zip', 'gz', 'docx', 'xlsx', 'pptx']);
const TEXT_EXTS = new Set(['txt', 'log', 'csv', 'json', 'jsonl', 'eml', 'msg', 'xml', 'html', 'htm', 'svg', 'md', 'evtx', 'conf', 'ini', 'yaml', 'yml', 'tsv', '']);

export function extOf(filename: string): string {
  const m = /\.([A-Za-z0-9]{1,10})$/.exec(filename);
  return m ? m[1]!.toLowerCase() : '';
}

/** UTF-8 text without NUL bytes or many control characters. */
export function looksLikeText(head: Buffer): boolean {
  if (head.length === 0) return true;
  let control = 0;
  for (const b of head) {
    if (b === 0) return false;
    if (b < 9 || (b > 13 && b < 32)) control++;
  }
  if (control > head.length / 100 + 1) return false;
  // Reject invalid UTF-8, ignoring a sequence cut at the end of the sample.
  const probe = head.length > 4 ? head.subarray(0, head.length - 4) : head;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(probe);
    return true;
  } catch {
    return false;
  }
}

export async function classify(filename: string, head: Buffer): Promise<Verdict> {
  const ext = extOf(filename);
  const detected = await fileTypeFromBuffer(head);
  if (detected && (EXECUTABLE_EXTS.has(detected.ext) || EXECUTABLE_MIMES.test(detected.mime))) {
    const disguised = ext !== detected.ext;
    return {
      ok: false,
      detectedType: detected.mime,
      reason: disguised
        ? `The file is an executable (${detected.mime}) named “.${ext || '(none)'}”; executables are not accepted. Share its SHA-256 as an observable instead.`
        : `Executables are not accepted (${detected.mime}). Share its SHA-256 as an observable instead.`,
    };
  }
  if (detected) {
    const expectExts = SAFE_BINARY[detected.mime];
    if (expectExts?.includes(ext)) return { ok: true, detectedType: detected.mime, servedType: detected.mime, flagged: false, flagReason: null, isText: false };
    const named = IMAGE_OR_DOC_EXTS.has(ext) || TEXT_EXTS.has(ext);
    if (named && !(expectExts ?? []).includes(ext) && !(['docx', 'xlsx', 'pptx'].includes(ext) && detected.mime === 'application/zip')) {
      return { ok: true, detectedType: detected.mime, servedType: 'application/octet-stream', flagged: true, flagReason: `content is ${detected.mime} but the name says .${ext || '(none)'}`, isText: false };
    }
    return { ok: true, detectedType: detected.mime, servedType: 'application/octet-stream', flagged: false, flagReason: null, isText: false };
  }
  if (looksLikeText(head)) {
    if (EXECUTABLE_NAMES.test(filename)) {
      return { ok: true, detectedType: 'text/plain', servedType: 'application/octet-stream', flagged: true, flagReason: `script file (.${ext}): kept as evidence, never served as text`, isText: true };
    }
    if (IMAGE_OR_DOC_EXTS.has(ext)) {
      return { ok: true, detectedType: 'text/plain', servedType: 'application/octet-stream', flagged: true, flagReason: `content is text but the name says .${ext}`, isText: true };
    }
    // Mail stays opaque to the browser too; everything else that is text is served as plain text.
    const served = ext === 'eml' || ext === 'msg' ? 'message/rfc822' : 'text/plain; charset=utf-8';
    return { ok: true, detectedType: 'text/plain', servedType: served, flagged: false, flagReason: null, isText: true };
  }
  if (IMAGE_OR_DOC_EXTS.has(ext)) {
    return { ok: true, detectedType: null, servedType: 'application/octet-stream', flagged: true, flagReason: `unrecognised binary content named .${ext}`, isText: false };
  }
  return { ok: true, detectedType: null, servedType: 'application/octet-stream', flagged: false, flagReason: null, isText: false };
}

/** A filename safe for storage and Content-Disposition: no path, no control characters, bounded. */
export function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 200);
  return cleaned || 'attachment';
}

export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\;]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
