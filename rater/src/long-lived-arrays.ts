/**
 * The typed arrays a rating engine grows to hold a month of CDRs (HeldCdrs' columns and body
 * slabs, KeyIndex's slots), allocated on SharedArrayBuffers, which V8 does not count as the
 * isolate's external memory.
 *
 * An ArrayBuffer's bytes count as external memory, and as it grows V8 starts full collections
 * ("external memory pressure"), each marking the whole heap (in a rating worker: the account
 * book and every account-month, a few hundred MB). A worker holding a month allocates a few
 * hundred bytes of these arrays per CDR, and ran a full collection every 300,000 CDRs or so:
 * most of V8's GC threads' work (bench/RESULTS.md, 2026-12-02). These arrays live as long as the
 * engine keeps its CDRs: nothing is gained by collecting sooner.
 *
 * Their memory is freed as an ArrayBuffer's is, once the collector finds them dead (after a
 * grow, the old columns; after an eviction or a forget, the old store), at the next full
 * collection the heap's own growth starts: until then the process may hold one dead store more
 * than it uses.
 */
export const f64 = (n: number): Float64Array => new Float64Array(new SharedArrayBuffer(8 * n));
export const i32 = (n: number): Int32Array => new Int32Array(new SharedArrayBuffer(4 * n));
/** A Buffer of n bytes of its own (none of Node's pool). */
export const sharedBuffer = (n: number): Buffer => Buffer.from(new SharedArrayBuffer(n));
