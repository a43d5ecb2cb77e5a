/* Between the view (fsview.c) and the backends built into the library (fsmem.c). */
#ifndef CUVET_FS_INTERNAL_H
#define CUVET_FS_INTERNAL_H

#include "cuvet_readers.h"

/* The backend state behind FS when FS runs on OPS, else NULL. */
void *fs_impl(const struct cuvet_fs *fs, const struct cuvet_fs_ops *ops);

/* What one job (a probe) may take as unchanged while it runs: the view then remembers, per path
 * string as asked, the answers of cuvet_fs_realpath (also a missing path, when the caller wanted
 * no message), of cuvet_fs_type, and with FS_CACHE_MAPS the mappings of cuvet_fs_map, kept until
 * the scope ends (cuvet_fs_unmap of a kept mapping only drops a reference). The answers are the
 * ones the uncached calls gave, so the view's confinement is unchanged; a path asked again costs
 * no system call. Scopes nest (the outermost flags hold); fs_cache_end drops what was kept.
 * Without a scope the view caches nothing: a long-lived view sees every change on disk. Inside
 * one, reading calls write to the view: one thread at a time (as a probe uses its view). */
enum { FS_CACHE_PATHS = 1, FS_CACHE_MAPS = 2 };
void fs_cache_begin(struct cuvet_fs *fs, unsigned flags);
void fs_cache_end(struct cuvet_fs *fs);
/* Turns the mapping cache on or off inside a scope (mappings already kept stay until the end). */
void fs_cache_maps(struct cuvet_fs *fs, bool on);

#endif
