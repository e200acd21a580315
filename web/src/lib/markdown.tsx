// A small Markdown subset for the assistant's answers, rendered as React elements: text is never
// parsed as HTML, so whatever the model writes (a <script>, an onerror attribute) shows as text.
// Blocks: paragraphs, # headings, - / * / 1. lists, ``` code fences. Inline: **bold**, *italic*,
// `code`, [links](https://…) with http(s) targets only.
import { Fragment, type ReactNode } from "react";

const INLINE = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*|(?<!\w)__[^_\n]+__(?!\w))|(\*[^*\s][^*\n]*\*|(?<!\w)_[^_\s][^_\n]*_(?!\w))|(\[[^\]\n]+\]\([^)\s]+\))/;

function safeHref(url: string): string | undefined {
  return /^https?:\/\//i.test(url) ? url : undefined;
}

export function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let rest = text;
  let key = 0;
  for (let m = INLINE.exec(rest); m; m = INLINE.exec(rest)) {
    if (m.index > 0) out.push(rest.slice(0, m.index));
    const [token] = m;
    if (m[1]) out.push(<code key={key++}>{token.slice(1, -1)}</code>);
    else if (m[2]) out.push(<strong key={key++}>{inline(token.slice(2, -2))}</strong>);
    else if (m[3]) out.push(<em key={key++}>{inline(token.slice(1, -1))}</em>);
    else {
      const [, label, url] = /^\[([^\]]+)\]\(([^)]+)\)$/.exec(token)!;
      const href = safeHref(url);
      out.push(
        href ? (
          <a key={key++} href={href} target="_blank" rel="noopener noreferrer nofollow">
            {inline(label)}
          </a>
        ) : (
          <Fragment key={key++}>{inline(label)}</Fragment>
        ),
      );
    }
    rest = rest.slice(m.index + token.length);
  }
  if (rest) out.push(rest);
  return out;
}

type Block =
  | { kind: "p"; lines: string[] }
  | { kind: "h"; level: number; text: string }
  | { kind: "ul" | "ol"; items: string[] }
  | { kind: "code"; lines: string[] };

const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const HEADING = /^(#{1,6})\s+(.*)$/;

export function blocks(text: string): Block[] {
  const out: Block[] = [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const last = out[out.length - 1];
    if (line.trimStart().startsWith("```")) {
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i].trimStart().startsWith("```"); i++) code.push(lines[i]);
      out.push({ kind: "code", lines: code });
      continue;
    }
    const h = HEADING.exec(line);
    const b = BULLET.exec(line);
    const n = NUMBERED.exec(line);
    if (!line.trim()) out.push({ kind: "p", lines: [] });
    else if (h) out.push({ kind: "h", level: h[1].length, text: h[2] });
    else if (b || n) {
      const kind = b ? "ul" : "ol";
      const item = (b ?? n)![1];
      if (last?.kind === kind) last.items.push(item);
      else out.push({ kind, items: [item] });
    } else if (last?.kind === "p") last.lines.push(line);
    else out.push({ kind: "p", lines: [line] });
  }
  return out.filter((b) => b.kind !== "p" || b.lines.length > 0);
}

function withBreaks(lines: string[]): ReactNode[] {
  return lines.flatMap((l, i) => (i ? [<br key={`br${i}`} />, ...inline(l)] : inline(l)));
}

export function Markdown({ text }: { text: string }) {
  return (
    <>
      {blocks(text).map((b, i) => {
        switch (b.kind) {
          case "code":
            return <pre key={i}><code>{b.lines.join("\n")}</code></pre>;
          case "h": {
            // Inside a chat turn a heading is emphasis, not page structure.
            return <p key={i} className="md-heading"><strong>{inline(b.text)}</strong></p>;
          }
          case "ul":
          case "ol": {
            const List = b.kind;
            return <List key={i}>{b.items.map((item, j) => <li key={j}>{inline(item)}</li>)}</List>;
          }
          default:
            return <p key={i}>{withBreaks(b.lines)}</p>;
        }
      })}
    </>
  );
}
