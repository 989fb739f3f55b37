import path from 'node:path';

/** The files a newcomer copies from docs/next-library.md: the fenced blocks of its "Wiring" section that carry a title. */
export interface WiringFile {
  /** Relative to the app's folder, as the block's title names it. */
  path: string;
  content: string;
}

const TITLED_FENCE = /^```[a-z]*[ \t]+title="([^"]+)"[ \t]*\n([\s\S]*?)^```[ \t]*$/gm;

function wiringSection(markdown: string): string {
  const start = markdown.search(/^## Wiring[ \t]*$/m);
  if (start === -1) throw new Error('docs/next-library.md has no "## Wiring" section');
  const end = markdown.slice(start + 1).search(/^## /m);
  return end === -1 ? markdown.slice(start) : markdown.slice(start, start + 1 + end);
}

/** A title is a path inside the app: relative, no `..`, so a typo in the doc cannot write outside the temp folder. */
function insideApp(title: string): string {
  const normalized = path.posix.normalize(title);
  if (path.posix.isAbsolute(normalized) || normalized.startsWith('..') || normalized !== title) {
    throw new Error(`wiring block title "${title}" is not a plain path inside the app`);
  }
  return normalized;
}

/** Every titled block of the Wiring section, verbatim; a file named twice is an error in the doc. */
export function wiringFiles(markdown: string): WiringFile[] {
  const files: WiringFile[] = [];
  for (const match of wiringSection(markdown).matchAll(TITLED_FENCE)) {
    const [, title = '', content = ''] = match;
    const filePath = insideApp(title);
    if (files.some((file) => file.path === filePath)) throw new Error(`wiring block "${filePath}" appears twice`);
    files.push({ path: filePath, content });
  }
  return files;
}
