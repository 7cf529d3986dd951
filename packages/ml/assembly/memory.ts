// Allocation in the module's linear memory for callers in JavaScript: the runtime's TLSF allocator (runtime
// `minimal`, no garbage collector), 16-byte aligned so every buffer can be read with v128 loads.

/** A block of at least `bytes` bytes, 16-byte aligned; may grow the memory (detaching JavaScript views). */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

/** Returns a block from `alloc` to the allocator. */
export function free(ptr: usize): void {
  heap.free(ptr);
}
