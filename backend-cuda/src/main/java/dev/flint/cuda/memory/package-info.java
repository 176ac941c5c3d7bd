/**
 * The caching device allocator: size classes, per-class free lists, reuse without new device
 * allocations after the first training step, statistics, and an out-of-memory error that reports
 * the request and the pool.
 */
package dev.flint.cuda.memory;
