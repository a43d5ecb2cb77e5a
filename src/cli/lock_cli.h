/* What lock, verify, build and stamp share: the stack's facts (probed, --root, --facts), the
 * creation time, and the verify report as text and Markdown. */
#ifndef CUVET_LOCK_CLI_H
#define CUVET_LOCK_CLI_H

#include "common.h"
#include "image_cli.h"

/* --assume-unknown fail|pass (SPEC §6.2: unknown passes only as an explicit policy); 0, or -1 after
 * saying why. */
int lock_cli_assume(const char *cmd, const char *arg, bool *pass);

/* Probes (or reads --facts); returns EXIT_OK with *F, or an exit code after saying why. */
int lock_cli_facts(struct host_opts *o, struct cuvet_facts **f);
/* --image SRC: the facts of a container of the image on this host (or on --facts' host): the
 * image's libraries (the probe of its files), the host's kernel module, driver libraries and GPUs
 * (cuvet_image_container_facts). BASE gets "REF@DIGEST" of the image (its name, else SRC; its index
 * digest, else its manifest's), or "" when it has no digest. EXIT_OK, or an exit code after saying why. */
int lock_cli_image_facts(struct host_opts *o, const struct image_cli *img, const char *src,
			 struct cuvet_facts **f, char *base, size_t baselen);
/* "host", "root:DIR" or "facts:FILE" for the lock's "source". */
void lock_cli_source(const struct host_opts *o, char *buf, size_t len);
/* Now, or $SOURCE_DATE_EPOCH when set (reproducible builds), as RFC 3339 UTC. -1 when neither works. */
int lock_cli_time(char *buf, size_t len);
/* Reads LOCK; prints the error and returns NULL. */
struct cuvet_lock *lock_cli_read(const char *cmd, const char *path);
/* The report of one lock: a line per component. */
void lock_report_text(FILE *out, const char *lock_path, const struct cuvet_lock *lock,
		      const struct cuvet_lock_report *r, bool color);
/* The same as Markdown for a pull request: a table, and a diff of the drifted components. */
void lock_report_markdown(FILE *out, const char *lock_path, const struct cuvet_lock *lock,
			  const struct cuvet_lock_report *r);

/* What build and stamp print for a record written to PATH: "wrote PATH", or with --json the record
 * itself. Returns EXIT_OK or EXIT_INPUT after saying why. */
int lock_cli_report_record(const struct host_opts *o, const char *path);

#endif
