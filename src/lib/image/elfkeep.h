/* What the image view keeps of a large ELF file (elfkeep.c): the ranges the ELF and fatbin
 * readers need, picked while the file streams past once, so that a multi-GB layer of libraries
 * costs memory for their headers and dynamic tables only. */
#ifndef CUVET_ELFKEEP_H
#define CUVET_ELFKEEP_H

#include "cuvet_readers.h"

/* The bytes held whole from the start of a file while its headers are still unknown; what the
 * readers do not need is dropped when the file ends. */
#define ELFKEEP_PREFIX (64u << 20)
/* Bytes held for one file beyond the prefix; past it the file is kept "not held". */
#define ELFKEEP_MAX_HELD (256u << 20)

struct elfkeep;
/* A keeper for a file of SIZE bytes whose bytes come next, in order. */
struct elfkeep *elfkeep_new(uint64_t size, struct cuvet_error *err);
int elfkeep_feed(struct elfkeep *k, const void *data, size_t len, struct cuvet_error *err);
/* Adds what was kept to FS at PATH as a sparse file (cuvet_fs_mem_add_sparse): complete when
 * the file was fed whole and every range a reader needs was held. */
int elfkeep_add(struct elfkeep *k, struct cuvet_fs *fs, const char *path, unsigned mode, struct cuvet_error *err);
/* Bytes held for the file as it will be stored (after elfkeep_add), for the memory accounting
 * and the bench. */
uint64_t elfkeep_held(const struct elfkeep *k);
void elfkeep_free(struct elfkeep *k);

#endif
