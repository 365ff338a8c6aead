/**
 * Bag-of-words features: lower-cased word tokens of Subject + body, a vocabulary
 * of the top-K tokens by document frequency in the training set only, binary
 * presence features, and a constant 1 column (ml-logistic-regression fits no
 * intercept of its own).
 */
import { Matrix } from 'ml-matrix';
import { cmp } from './corpus.ts';

/** A token: a letter then 1–19 letters or digits (longer runs are cut into pieces by the regex). */
const TOKEN = /[a-z][a-z0-9]{1,19}/g;

/** The distinct tokens of a text. */
export function tokens(text: string): Set<string> {
  return new Set(text.toLowerCase().match(TOKEN) ?? []);
}

/** The `k` tokens with the highest document frequency in `docs`; ties broken by the token itself. */
export function vocabulary(docs: readonly Set<string>[], k: number): string[] {
  const df = new Map<string, number>();
  for (const d of docs) for (const t of d) df.set(t, (df.get(t) ?? 0) + 1);
  return [...df]
    .sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]))
    .slice(0, k)
    .map(([t]) => t);
}

/** Rows: documents; columns: one 0/1 column per vocabulary token, then the constant 1 (bias) column. */
export function featureMatrix(docs: readonly Set<string>[], vocab: readonly string[]): Matrix {
  const index = new Map(vocab.map((t, i) => [t, i]));
  const X = Matrix.zeros(docs.length, vocab.length + 1);
  docs.forEach((d, row) => {
    X.set(row, vocab.length, 1);
    for (const t of d) {
      const col = index.get(t);
      if (col !== undefined) X.set(row, col, 1);
    }
  });
  return X;
}
