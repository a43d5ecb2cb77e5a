/* Between the view (fsview.c) and the backends built into the library (fsmem.c). */
#ifndef CUVET_FS_INTERNAL_H
#define CUVET_FS_INTERNAL_H

#include "cuvet_readers.h"

/* The backend state behind FS when FS runs on OPS, else NULL. */
void *fs_impl(const struct cuvet_fs *fs, const struct cuvet_fs_ops *ops);

#endif
