/**
 * TEMPORARY (issue 15's A/B): BENCH_PLAIN=openFiles,stream,wholePool,json swaps a hand-made
 * fast path for its plain replacement, so `npm run bench` can compare both in one run.
 */
const plain = new Set((process.env.BENCH_PLAIN ?? '').split(',').filter(Boolean));
export const PLAIN = {
  openFiles: plain.has('openFiles'),
  stream: plain.has('stream'),
  wholePool: plain.has('wholePool'),
  json: plain.has('json'),
};
