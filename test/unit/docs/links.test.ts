import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../../lib/paths';

/**
 * Every relative link in README.md and docs/**\/*.md points at a file that exists, and every `#anchor` at a heading
 * of that file (GitHub's anchors: the heading lower-cased, punctuation other than `-` and `_` dropped, spaces as
 * `-`, repeats suffixed `-1`, `-2`). Links to other sites are not fetched (the tests run offline).
 */

function markdownFiles(): string[] {
  const out = [path.join(PROJECT_ROOT, 'README.md')];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.md')) out.push(full);
    }
  };
  walk(path.join(PROJECT_ROOT, 'docs'));
  return out.sort();
}

/** The text outside fenced code blocks. */
function withoutCodeBlocks(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** The text outside fenced code blocks and inline code (links there are examples, not links). */
function prose(markdown: string): string {
  return withoutCodeBlocks(markdown).replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors of a markdown file. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading = ''] of withoutCodeBlocks(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Relative links of a markdown file: `[text](target)` outside code. */
function relativeLinks(markdown: string): string[] {
  const links: string[] = [];
  for (const [, target = ''] of prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, ...
    links.push(target);
  }
  return links;
}

function brokenLinks(file: string, root = PROJECT_ROOT): string[] {
  const markdown = fs.readFileSync(file, 'utf8');
  const broken: string[] = [];
  for (const link of relativeLinks(markdown)) {
    const [target = '', anchor] = link.split('#', 2);
    const resolved = target === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(target));
    if (!resolved.startsWith(root + path.sep) || !fs.existsSync(resolved)) {
      broken.push(`${link}: no such file`);
      continue;
    }
    if (anchor !== undefined && resolved.endsWith('.md')) {
      if (!headingAnchors(fs.readFileSync(resolved, 'utf8')).has(anchor)) broken.push(`${link}: no such heading`);
    }
  }
  return broken;
}

describe('documentation links', () => {
  it('finds the README and the docs', () => {
    const files = markdownFiles().map((f) => path.relative(PROJECT_ROOT, f));
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/architecture.md', 'docs/runbooks/README.md']));
  });

  it.each(markdownFiles().map((f) => [path.relative(PROJECT_ROOT, f), f]))(
    '%s has no broken relative link',
    (_name, file) => {
      expect(brokenLinks(file)).toEqual([]);
    },
  );

  it('the checker itself: anchors as GitHub makes them, missing files and headings reported', () => {
    expect([
      ...headingAnchors('# Quick start\n## The whole loop: `npm start`\n## Quick start\n```\n# not a heading\n```\n'),
    ]).toEqual(['quick-start', 'the-whole-loop-npm-start', 'quick-start-1']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-links-'));
    try {
      const file = path.join(dir, 'a.md');
      fs.writeFileSync(path.join(dir, 'b.md'), '# Real heading\n');
      fs.writeFileSync(
        file,
        '[ok](b.md#real-heading) [gone](c.md) [bad anchor](b.md#nope) [web](https://example.com/x) `[code](d.md)`\n',
      );
      expect(brokenLinks(file, dir)).toEqual(['c.md: no such file', 'b.md#nope: no such heading']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
