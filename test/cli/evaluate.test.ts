/**
 * The evaluate and metrics commands as a person runs them: spawned through `npx tsx`, checked on
 * their output, files and exit codes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli, splitAlgorithms } from '../../src/cli/evaluate.ts';
import { sharedDataset } from '../helpers/shared-data.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ml100k = sharedDataset('ml-100k');
const dir = mkdtempSync(join(tmpdir(), 'marquee-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command as `npx tsx src/cli/<script>.ts …` (what `npm run` does), or with `lean` as
 * `node --import tsx …`, the same program without npx's few seconds of start-up.
 */
function run(
  script: 'evaluate' | 'metrics',
  args: string[],
  opts: { lean?: boolean; onStderr?: (text: string, kill: () => void) => void } = {},
): Promise<Run> {
  const onStderr = opts.onStderr;
  return new Promise((done, fail) => {
    const [cmd, pre] = opts.lean ? [process.execPath, ['--import', 'tsx']] : ['npx', ['tsx']];
    const child = spawn(cmd, [...pre, `src/cli/${script}.ts`, ...args], {
      cwd: root,
      env: { ...process.env, MARQUEE_DEBUG: '' },
      detached: true, // its own process group, so an interrupt reaches npx, tsx and node alike
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, () => process.kill(-child.pid!, 'SIGINT'));
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** True when the registry (and so the named algorithm) loads: the algorithms are written in parallel. */
async function hasAlgorithm(name: string): Promise<boolean> {
  try {
    const registry = await import('../../src/core/registry.ts');
    registry.createAlgorithm(name);
    return true;
  } catch (err) {
    console.warn(`skipping ${name} in the CLI tests: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}

// small rating files and a tiny dataset folder written by the tests
const trainFile = join(dir, 'train.csv');
const testFile = join(dir, 'test.csv');
const tinyDataset = join(dir, 'tiny');
beforeAll(() => {
  const train = ['userId,movieId,rating,timestamp'];
  const test = ['userId,movieId,rating,timestamp'];
  for (let u = 1; u <= 12; u++) {
    for (let m = 1; m <= 8; m++) {
      const r = 1 + ((u * 3 + m * 5) % 5);
      ((u + m) % 4 === 0 ? test : train).push(`${u},${m},${r},${1_000_000 + u * 10 + m}`);
    }
  }
  writeFileSync(trainFile, `${train.join('\n')}\n`);
  writeFileSync(testFile, `${test.join('\n')}\n`);
  mkdirSync(tinyDataset);
  writeFileSync(join(tinyDataset, 'ratings.csv'), 'userId,movieId,rating,timestamp\n1,1,4.0,100\n1,2,3.5,101\n2,1,5.0,102\n');
  writeFileSync(join(tinyDataset, 'movies.csv'), 'movieId,title,genres\n1,Toy Story (1995),Animation\n2,Heat (1995),Action\n');
});

describe.skipIf(!ml100k)('npm run evaluate on ml-100k', () => {
  it('cross-validates, prints the table and writes the JSON report and the chart', async () => {
    const algos = ['baseline', ...((await hasAlgorithm('svd')) ? ['svd'] : [])];
    const json = join(dir, 'report.json');
    const chart = join(dir, 'chart.png');
    const r = await run('evaluate', ['--data', ml100k!, '--algos', algos.join(','), '--json', json, '--chart', chart]);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ml-100k, 100,000 ratings, 5-fold CV \(seed 0\), k = 10, threshold = 3.5/);
    expect(r.stdout).toMatch(/Algorithm\s+RMSE\s+MAE\s+precision@10\s+recall@10/);
    expect(r.stderr).toMatch(/baseline: fold 5\/5 RMSE/); // not a terminal: one progress line per fold

    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.complete).toBe(true);
    expect(report.data).toMatchObject({ name: 'ml-100k', nRatings: 100000, nUsers: 943, nItems: 1682, scale: [1, 5] });
    expect(report.cv.nFolds).toBe(5);
    expect(report.cv.results.map((x: { algorithm: string }) => x.algorithm).sort()).toEqual([...algos].sort());
    const baseline = report.cv.results.find((x: { algorithm: string }) => x.algorithm === 'baseline');
    // Surprise's BaselineOnly: 0.9440 ± 0.0059 RMSE, 0.7484 MAE on its own folds
    expect(baseline.metrics.rmse.mean).toBeGreaterThan(0.93);
    expect(baseline.metrics.rmse.mean).toBeLessThan(0.96);
    expect(baseline.metrics.mae.mean).toBeGreaterThan(0.73);
    expect(baseline.metrics.mae.mean).toBeLessThan(0.76);
    expect(baseline.folds).toHaveLength(5);
    expect(baseline.folds.reduce((s: number, f: { nTest: number }) => s + f.nTest, 0)).toBe(100000);
    expect(readFileSync(chart).subarray(1, 4).toString()).toBe('PNG');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('writes nothing when the run is interrupted', async () => {
    const algos = ['co-clustering', 'nmf', 'svd', 'knn-basic', 'slope-one'];
    for (const a of algos) if (!(await hasAlgorithm(a))) return;
    const json = join(dir, 'interrupted.json');
    const chart = join(dir, 'interrupted.png');
    let sent = false;
    const r = await run('evaluate', ['--data', ml100k!, '--algos', algos.join(','), '--json', json, '--chart', chart], {
      lean: true,
      onStderr: (text, kill) => {
        if (!sent && /fold 1\/5/.test(text)) {
          sent = true;
          kill();
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/cancelled before it finished; no results were kept/);
    expect(existsSync(json)).toBe(false);
    expect(existsSync(chart)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('npm run evaluate --topn', () => {
  it('prints the top-N table with the popularity floor and writes the JSON and the HR chart', async () => {
    if (!(await hasAlgorithm('baseline'))) return;
    const small = join(dir, 'small');
    mkdirSync(small, { recursive: true });
    writeFileSync(join(small, 'ratings.csv'), readFileSync(trainFile));
    writeFileSync(join(small, 'movies.csv'), `movieId,title,genres\n${Array.from({ length: 8 }, (_, m) => `${m + 1},Movie ${m + 1} (1999),Drama`).join('\n')}\n`);
    const json = join(dir, 'topn.json');
    const chart = join(dir, 'topn.png');
    const r = await run('evaluate', ['--data', small, '--topn', '--algos', 'baseline', '--n', '3', '--min-ratings', '0', '--profile-sizes', '1,2', '--json', json, '--chart', chart], { lean: true });
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Top-3 over the full catalogue, leave-one-out per user .*12 members tested/);
    expect(r.stdout).toMatch(/Algorithm\s+HR@3\s+liked HR@3\s+NDCG@3\s+recall@20\s+MRR\s+coverage/);
    expect(r.stdout).toMatch(/popular \(floor\)/);
    expect(r.stdout).toMatch(/HR@3 by profile size/);
    expect(r.stderr).toMatch(/top-N: baseline \(2\/2\)/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.cv).toBeUndefined();
    expect(report.topN.results.map((x: { algorithm: string }) => x.algorithm).sort()).toEqual(['baseline', 'popular']);
    expect(readFileSync(chart).subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('npm run evaluate with --train/--test, then npm run metrics on its predictions', () => {
  it('keeps the files’ order, writes user,item,true,estimate, and metrics agrees with evaluate', async () => {
    if (!(await hasAlgorithm('baseline'))) return;
    const json = join(dir, 'pair.json');
    const preds = join(dir, 'preds.csv');
    const r = await run('evaluate', ['--train', trainFile, '--test', testFile, '--algos', 'baseline', '--json', json, '--predictions', preds], { lean: true });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/train\.csv → test\.csv, 96 ratings, given train\/test split \(72 train, 24 test\)/);
    const lines = readFileSync(preds, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('user,item,true,estimate');
    // the test file's order
    const testRows = readFileSync(testFile, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 3).map(Number));
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).map(Number))).toEqual(testRows);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.data.scale).toEqual([1, 5]); // inferred: whole stars
    expect(report.predictions).toBeUndefined();

    const metricsJson = join(dir, 'metrics.json');
    const m = await run('metrics', ['--truth', testFile, '--predictions', preds, '--json', metricsJson], { lean: true });
    expect(m.code).toBe(0);
    expect(m.stdout).toMatch(/RMSE\s+\d\.\d{4}/);
    const scored = JSON.parse(readFileSync(metricsJson, 'utf8'));
    expect(scored.n).toBe(24);
    expect(scored.metrics.rmse).toBeCloseTo(report.cv.results[0].metrics.rmse.mean, 10);
    expect(scored.metrics.mae).toBeCloseTo(report.cv.results[0].metrics.mae.mean, 10);
    expect(scored.metrics['precision@10']).toBeCloseTo(report.cv.results[0].metrics['precision@10'].mean, 10);
  });
});

describe('bad input: one clear line, exit code 1, no stack trace', () => {
  // errors found in the command itself, in the worker, and by the loaders
  const cases: Array<[string, 'evaluate' | 'metrics', () => string[], RegExp]> = [
    ['an unknown algorithm', 'evaluate', () => ['--data', tinyDataset, '--algos', 'baseline,nope'], /unknown algorithm "nope"; accepted: /],
    ['more folds than ratings', 'evaluate', () => ['--data', tinyDataset, '--algos', 'baseline'], /5 folds need at least 5 ratings, but there are only 3/],
    ['a threshold outside the scale', 'evaluate', () => ['--data', tinyDataset, '--folds', '2', '--algos', 'baseline', '--threshold', '7'], /threshold 7 is outside the rating scale 0.5–5/],
    ['a malformed ratings file', 'evaluate', () => ['--train', join(dir, 'bad.csv'), '--test', testFile, '--algos', 'baseline'], /bad\.csv, line 3: rating "x" is not a number/],
    ['predictions for pairs the truth lacks', 'metrics', () => ['--truth', testFile, '--predictions', join(dir, 'stranger.csv')], /stranger\.csv, line 2: user 99, item 1 has no true rating/],
  ];
  beforeAll(() => {
    writeFileSync(join(dir, 'bad.csv'), 'userId,movieId,rating,timestamp\n1,1,4,1\n1,2,x,2\n');
    writeFileSync(join(dir, 'stranger.csv'), 'user,item,estimate\n99,1,3.5\n');
  });
  it.concurrent.each(cases)('%s', async (_name, script, args, message) => {
    const r = await run(script, args(), { lean: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it('refuses inconsistent options before any work', async () => {
    const fails = async (args: string[]): Promise<string> => {
      try {
        await parseCli(args);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error(`accepted: ${args.join(' ')}`);
    };
    expect(await fails(['--data', tinyDataset, '--k', '0'])).toBe('--k must be a whole number from 1 to 100, got "0"');
    expect(await fails(['--data', tinyDataset, '--folds', 'two'])).toBe('--folds must be a whole number from 2 to 20, got "two"');
    expect(await fails(['--train', trainFile])).toMatch(/--train and --test go together/);
    expect(await fails(['--train', trainFile, '--test', testFile, '--scale', '5,1'])).toMatch(/--scale must be two numbers lo,hi with lo < hi/);
    expect(await fails(['--train', trainFile, '--test', testFile, '--algos', 'baseline,svd', '--predictions', join(dir, 'p.csv')])).toMatch(
      /--predictions writes one algorithm's estimates; 2 were given/,
    );
    expect(await fails(['--data', tinyDataset, '--predictions', join(dir, 'p.csv')])).toMatch(/--predictions needs --train and --test/);
    expect(await fails(['--data', tinyDataset, '--json', join(dir, 'no', 'such', 'x.json')])).toMatch(/--json .*x\.json: folder .* does not exist/);
    expect(await fails(['--data', tinyDataset, '--bogus'])).toBe("Unknown option '--bogus'; see --help");
    expect(await fails(['--data', join(dir, 'nowhere')])).toMatch(/--data .*nowhere: folder not found/);
    expect(await fails(['--data', tinyDataset, '--metrics', 'rmse,accuracy'])).toMatch(/unknown metric "accuracy"; accepted: rmse/);
  });

  it('bounds every numeric option: a run that would never end is refused up front', async () => {
    const fails = (args: string[]): Promise<string> =>
      parseCli(['--data', tinyDataset, ...args]).then(
        () => `accepted: ${args.join(' ')}`,
        (err: Error) => err.message,
      );
    // --folds 100000 used to be accepted and never finished
    expect(await fails(['--folds', '100000'])).toBe('--folds must be a whole number from 2 to 20, got "100000"');
    expect(await fails(['--k', '5000'])).toBe('--k must be a whole number from 1 to 100, got "5000"');
    expect(await fails(['--seed=-1'])).toBe('--seed must be a whole number ≥ 0, got "-1"');
    expect(await fails(['--seed', '1e12'])).toBe('--seed must be a whole number ≥ 0, got "1e12"');
    expect(await fails(['--topn', '--n', '0'])).toBe('--n must be a whole number from 1 to 100, got "0"');
    expect(await fails(['--topn', '--n', '100000'])).toBe('--n must be a whole number from 1 to 100, got "100000"');
    expect(await fails(['--topn', '--min-ratings=-2'])).toBe('--min-ratings must be a whole number from 0 to 1000000, got "-2"');
    expect(await fails(['--topn', '--profile-sizes', '1,2,2'])).toBe('--profile-sizes lists 2 twice');
    expect(await fails(['--topn', '--profile-sizes', '1,5000'])).toBe('--profile-sizes must be a whole number from 1 to 1000, got "5000"');
  });

  it('refuses duplicate algorithms and top-N options without --topn', async () => {
    const fails = (args: string[]): Promise<string> =>
      parseCli(args).then(
        () => `accepted: ${args.join(' ')}`,
        (err: Error) => err.message,
      );
    expect(await fails(['--data', tinyDataset, '--algos', 'svd,svd'])).toMatch(/algorithm "svd" is listed twice/);
    expect(await fails(['--data', tinyDataset, '--topn', '--algos', 'svd,popular,svd'])).toMatch(/algorithm "svd" is listed twice/);
    expect(await fails(['--data', tinyDataset, '--protocol', 'loo'])).toBe('--protocol applies to the top-N run; add --topn');
    expect(await fails(['--data', tinyDataset, '--topn', '--protocol', 'random'])).toBe('--protocol must be one of loo, temporal, kfold, rare, cutoff, got "random"');
    expect(await fails(['--data', tinyDataset, '--topn', '--protocol', 'loo:0.5'])).toBe('--protocol takes a quantile only as cutoff:<q>, e.g. cutoff:0.9, got "loo:0.5"');
    expect(await fails(['--data', tinyDataset, '--topn', '--protocol', 'cutoff:1.5'])).toBe('--protocol cutoff:<q> needs 0 < q < 1, got 1.5');
    expect(await fails(['--data', tinyDataset, '--topn', '--metrics', 'rmse'])).toMatch(/--topn reports its own/);
    expect(await fails(['--train', trainFile, '--test', testFile, '--topn'])).toMatch(/--topn ranks a whole dataset/);
  });

  it('turns --topn options into the runner request', async () => {
    const cli = await parseCli(['--data', tinyDataset, '--topn', '--protocol', 'Temporal', '--n', '20', '--min-ratings', '3', '--profile-sizes', '1,2,3,5,10,20']);
    expect(cli!.request.topn).toEqual({ protocol: 'temporal', n: 20, minItemRatings: 3, profileSizes: [1, 2, 3, 5, 10, 20] });
  });
});

describe('npm run evaluate --topn --algos hybrid', () => {
  /** The train file's ratings with a movies.csv of three genres: a dataset the content model reads. */
  function withMoviesDataset(): string {
    const withMovies = join(dir, 'hybrid');
    if (existsSync(join(withMovies, 'movies.csv'))) return withMovies;
    mkdirSync(withMovies, { recursive: true });
    writeFileSync(join(withMovies, 'ratings.csv'), readFileSync(trainFile));
    const genres = ['Animation|Children', 'Crime|Drama', 'Sci-Fi'];
    writeFileSync(join(withMovies, 'movies.csv'), `movieId,title,genres\n${Array.from({ length: 8 }, (_, m) => `${m + 1},Movie ${m + 1} (1999),${genres[m % 3]}`).join('\n')}\n`);
    return withMovies;
  }

  it('builds the content model from the dataset’s movies and ranks hybrid beside ease and the floor', async () => {
    const withMovies = withMoviesDataset();
    const r = await run('evaluate', ['--data', withMovies, '--topn', '--algos', 'hybrid:content_weight=0.5,ease', '--n', '3', '--min-ratings', '0'], { lean: true });
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nhybrid:content_weight=0\.5\s+\d\.\d{4}/);
    expect(r.stdout).toMatch(/\nease\s+\d\.\d{4}/);
    expect(r.stdout).toMatch(/popular \(floor\)/);
  });

  it('ranks ease-side (EASE with the movies’ content as side information) on the rare protocol', async () => {
    const withMovies = withMoviesDataset();
    const r = await run('evaluate', ['--data', withMovies, '--topn', '--protocol', 'rare', '--algos', 'ease-side:alpha=5,ease', '--n', '3', '--min-ratings', '0'], { lean: true });
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/leave-one-out of a rarely rated movie per user \(movies with < 20 ratings, seed 0\)/);
    expect(r.stdout).toMatch(/\nease-side:alpha=5\s+\d\.\d{4}/);
  });

  it('refuses hybrid outside --topn and with parameters it does not have', async () => {
    const fails = (args: string[]): Promise<string> =>
      parseCli(args).then(
        () => `accepted: ${args.join(' ')}`,
        (err: Error) => err.message,
      );
    expect(await fails(['--data', tinyDataset, '--algos', 'hybrid'])).toBe('hybrid ranks lists; evaluate it with --topn');
    expect(await fails(['--data', tinyDataset, '--topn', '--algos', 'hybrid:blend=1'])).toMatch(/hybrid has no parameter "blend"/);
    expect(await fails(['--data', tinyDataset, '--topn', '--algos', 'hybrid:content_weight=2'])).toMatch(/content_weight must be at most 1, got 2/);
    expect(await fails(['--data', tinyDataset, '--topn', '--algos', 'ease-side:alpha=-1'])).toMatch(/alpha must be at least 0, got -1/);
    expect(await fails(['--data', tinyDataset, '--algos', 'ease-side'])).toBe('ease-side ranks lists; evaluate it with --topn');
    const cli = await parseCli(['--data', tinyDataset, '--topn', '--algos', 'hybrid,ease,ease-side']);
    expect(cli!.request.algorithms[0]).toMatchObject({ export: 'hybrid', name: 'hybrid' });
    expect(cli!.request.algorithms[1]).toBe('ease');
    expect(cli!.request.algorithms[2]).toMatchObject({ name: 'ease-side', module: expect.stringMatching(/algo=ease-side/) });
  });
});

describe('--algos', () => {
  it('splits algorithms on commas but keeps a spec’s own key=value list together', () => {
    expect(splitAlgorithms('svd,knn-item, baseline')).toEqual(['svd', 'knn-item', 'baseline']);
    expect(splitAlgorithms('knn-basic:user_based=false,name=pearson,svd')).toEqual(['knn-basic:user_based=false,name=pearson', 'svd']);
    expect(splitAlgorithms('svd:n_factors=50/n_epochs=10')).toEqual(['svd:n_factors=50,n_epochs=10']);
  });
});
