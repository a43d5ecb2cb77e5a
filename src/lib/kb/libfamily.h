/* NVIDIA library families and what a file name says about a copy's version; shared by the
 * probe's library discovery (probe_libs.c) and the loader emulation (eval/why.c). */
#ifndef CUVET_LIBFAMILY_H
#define CUVET_LIBFAMILY_H

#include "internal.h"

struct libfamily {
	const char *family;  /* "cudnn" */
	const char *base;    /* library base name, e.g. "libcudnn" */
	bool prefix;         /* also matches base + "_..." (cuDNN and TensorRT sub-libraries) */
	const char *wheel;   /* pip distribution name prefix that ships it */
	const char *display; /* "cuDNN", for messages */
};

/* The family of a file name ("libcudnn.so.9", "libcudart.faf08d9a.so.13"); *SOVER gets what
 * follows ".so." ("9", "" for a bare ".so"). NULL when no family matches. */
const struct libfamily *libfamily_match(const char *name, const char **sover);
/* The version the real file's name tells ("libcudnn.so.9.14.0" -> "9.14.0") when it continues
 * the SONAME's numbering; malloc'ed, or NULL. */
char *libfamily_name_version(const struct libfamily *fam, const char *soname, const char *real_name);
/* The major a SONAME carries ("libcudnn.so.8" -> 8); -1 when it carries none. */
long libfamily_soname_major(const char *soname);
/* The version in SITE's "NAME-VERSION.dist-info" entry for a distribution whose name starts with
 * WHEEL; *DIST gets NAME. Both malloc'ed; NULL when there is none. */
char *libfamily_wheel_version(const struct cuvet_fs_dir *site, const char *wheel, char **dist);

#endif
