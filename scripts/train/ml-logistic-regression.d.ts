// Types for `ml-logistic-regression` 2.x (mljs), which ships none. Only what
// scripts/train-sample-models.ts uses is declared.
declare module 'ml-logistic-regression' {
  import type { Matrix } from 'ml-matrix';

  /** One-vs-all binary classifier; `testScores` is σ(X·w) = P(label ≠ its class). */
  interface LogisticRegressionTwoClasses {
    weights: Matrix | null;
    testScores(features: Matrix): number[];
  }

  class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    numSteps: number;
    learningRate: number;
    numberClasses: number;
    /** `classifiers[k]` is trained with class k as 0 and every other class as 1. */
    classifiers: LogisticRegressionTwoClasses[];
    train(X: Matrix, Y: Matrix): void;
    predict(X: Matrix): number[];
  }

  export = LogisticRegression;
}
