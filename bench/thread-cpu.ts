/**
 * Loaded by the bench into the CLI it times (`NODE_OPTIONS=--import …/thread-cpu.js`): at exit,
 * writes the main thread's CPU time (ms, from /proc/thread-self/stat, 10 ms ticks) to the file
 * named by BENCH_MAIN_THREAD_CPU_FILE. With `--jobs` the main thread applies the module's rule
 * while workers parse; its CPU against the whole process's shows how the two halves split.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const file = process.env['BENCH_MAIN_THREAD_CPU_FILE'];
if (isMainThread && file !== undefined) {
  process.on('exit', () => {
    const fields = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]!.split(' ');
    writeFileSync(file, String((Number(fields[11]) + Number(fields[12])) * 10));
  });
}
