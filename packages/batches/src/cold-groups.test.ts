import type { ColdDocument } from '@nightshift/core';
import { describe, expect, it } from 'vitest';
import { groupableTextChars, planColdJobs } from './cold-groups.ts';

const text = (index: number, chars = 40): ColdDocument => ({
  documentId: `doc_${index}`,
  index,
  content: { kind: 'text', text: 'x'.repeat(chars) },
});
const pdf = (index: number): ColdDocument => ({
  documentId: `doc_${index}`,
  index,
  content: { kind: 'pdf', base64: 'JVBERi0=' },
});
const sizes = (jobs: ColdDocument[][]) => jobs.map((job) => job.length);
const order = (jobs: ColdDocument[][]) => jobs.flat().map((d) => d.index);

describe('planColdJobs', () => {
  it('packs the short texts of a large batch up to maxPerJob, in order', () => {
    const documents = Array.from({ length: 2_000 }, (_, i) => text(i));
    const jobs = planColdJobs(documents, { maxPerJob: 8, slots: 16 });
    expect(sizes(jobs).filter((size) => size === 8)).toHaveLength(235);
    expect(Math.max(...sizes(jobs))).toBe(8);
    expect(order(jobs)).toEqual(documents.map((d) => d.index));
  });

  it('shrinks the groups of the last round down to one document, so every slot ends together', () => {
    const jobs = planColdJobs(
      Array.from({ length: 2_000 }, (_, i) => text(i)),
      { maxPerJob: 8, slots: 16 },
    );
    const all = sizes(jobs);
    // Never growing again once shrinking, and the last job of each of the 16 slots is one document.
    expect(all.every((size, i) => i === 0 || size <= (all[i - 1] as number))).toBe(true);
    expect(all.slice(-16)).toEqual(Array(16).fill(1));
    // Only the last round (less than one group of 8 per slot: 128 documents) is cut smaller.
    const cut = all.filter((size) => size < 8).reduce((sum, size) => sum + size, 0);
    expect(cut).toBeLessThan(16 * 8);
    expect(all.length).toBeLessThan(2_000 / 8 + 16 * 4);
  });

  it('keeps every slot fed: groups shrink so each slot still gets 8 jobs', () => {
    // 500 documents on 16 slots: 500 / (16 × 8) → groups of 3, 167 jobs.
    const jobs = planColdJobs(
      Array.from({ length: 500 }, (_, i) => text(i)),
      { maxPerJob: 8, slots: 16 },
    );
    expect(Math.max(...sizes(jobs))).toBe(3);
    expect(jobs.length).toBeGreaterThanOrEqual(16 * 8);
  });

  it('leaves small batches one document per job', () => {
    const jobs = planColdJobs(
      Array.from({ length: 100 }, (_, i) => text(i)),
      { maxPerJob: 8, slots: 16 },
    );
    expect(sizes(jobs)).toEqual(Array(100).fill(1));
  });

  it('never groups when maxPerJob is 1', () => {
    const jobs = planColdJobs(
      Array.from({ length: 5_000 }, (_, i) => text(i)),
      { maxPerJob: 1, slots: 1 },
    );
    expect(jobs).toHaveLength(5_000);
  });

  it('runs PDFs and long texts alone and keeps the batch order around them', () => {
    const documents = [
      ...Array.from({ length: 300 }, (_, i) => text(i)),
      pdf(300),
      text(301, groupableTextChars + 1),
      ...Array.from({ length: 300 }, (_, i) => text(302 + i)),
    ];
    const jobs = planColdJobs(documents, { maxPerJob: 4, slots: 2 });
    const alone = jobs.filter((job) => job.some((d) => d.index === 300 || d.index === 301));
    expect(alone).toEqual([[documents[300]], [documents[301]]]);
    expect(Math.max(...sizes(jobs))).toBe(4);
    expect(order(jobs)).toEqual(documents.map((d) => d.index));
  });
});
