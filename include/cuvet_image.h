/*
 * cuvet_image.h — container images (local archives, OCI layouts, registries) and Dockerfiles.
 *
 * An image is opened from a source named as skopeo names it; its manifest and config are read
 * first, and its layers, when asked for, are merged into an in-memory filesystem view
 * (cuvet_readers.h) that the probe, the loader model and `why` read like a host root. Nothing is
 * extracted to disk and nothing in an image is executed. Ownership as in cuvet.h.
 */
#ifndef CUVET_IMAGE_H
#define CUVET_IMAGE_H

#include "cuvet.h"
#include "cuvet_kb.h"
#include "cuvet_readers.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------ image references ---- */

/* A reference as distribution/reference parses and normalises it:
 * "ubuntu" -> domain "docker.io", path "library/ubuntu", no tag (latest implied). */
struct cuvet_imgref {
	char *domain; /* "docker.io", "nvcr.io", "localhost:5000" */
	char *path;   /* "library/ubuntu", "nvidia/cuda" */
	char *tag;    /* NULL when none was written */
	char *digest; /* "sha256:<64 hex>", NULL when none was written */
	bool domain_given; /* the text named a registry */
};
CUVET_API int cuvet_imgref_parse(const char *text, struct cuvet_imgref *out, struct cuvet_error *err);
CUVET_API void cuvet_imgref_release(struct cuvet_imgref *ref);
/* "docker.io/library/ubuntu:22.04@sha256:…" (FAMILIAR: "ubuntu:22.04@sha256:…", as docker prints). */
CUVET_API int cuvet_imgref_format(const struct cuvet_imgref *ref, bool familiar, char *buf, size_t len,
				  struct cuvet_error *err);

/* ------------------------------------------------------------- sources ---- */

/* Limits against hostile input; 0 takes the default. */
struct cuvet_image_limits {
	uint64_t max_entries; /* tar members over all layers (default 2,000,000) */
	uint64_t max_bytes;   /* uncompressed bytes over all layers (default 256 GiB) */
	uint32_t max_ratio;   /* uncompressed / compressed bytes of one layer (default 1000) */
	uint64_t max_json;    /* a manifest, index or config (default 16 MiB) */
	uint32_t max_path;    /* a member name (default 4096) */
};

struct cuvet_image_opts {
	const char *platform;  /* "os/arch[/variant]" picked from an index; NULL: this machine's */
	bool layers;           /* merge the layers into a view (from a registry: download them) */
	struct cuvet_image_limits limits;
	const char *auth_file; /* registry credentials; NULL: $REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json, ~/.docker/config.json */
	bool tls_verify_off;   /* registry over plain HTTP or unverified TLS (skopeo --tls-verify=false) */
	long timeout_ms;       /* per registry request (0: 30 s) */
};

struct cuvet_image_layer {
	char *digest;     /* "sha256:…" of the blob as stored */
	char *media_type; /* as the manifest names it ("" for docker save's legacy layout) */
	uint64_t size;    /* bytes of the blob, 0 when unknown */
	char *diff_id;    /* "sha256:…" of the uncompressed tar, from the config; NULL when absent */
};

struct cuvet_image_kv {
	char *key;
	char *value;
};

/* What the manifest and config say. */
struct cuvet_image_info {
	char *source;          /* as given: "docker-archive:x.tar", "oci:dir:tag", "docker://…" */
	char *ref;             /* the image's name:tag where the source names one (RepoTags, ref.name), or NULL */
	char *index_digest;    /* the index the manifest was picked from, or NULL */
	char *manifest_digest; /* sha256 of the manifest's bytes, or NULL (docker save's legacy layout has none) */
	char *config_digest;
	char *os, *architecture, *variant; /* the config's platform ("" when absent) */
	char *created;         /* RFC 3339, or NULL */
	struct cuvet_image_kv *env;    /* config.Env split at the first '=', in order */
	size_t nenv;
	struct cuvet_image_kv *labels; /* config.Labels, sorted by key */
	size_t nlabels;
	struct cuvet_image_layer *layers; /* bottom first */
	size_t nlayers;
};

struct cuvet_image;
CUVET_API struct cuvet_image *cuvet_image_open(const char *source, const struct cuvet_image_opts *opts,
					       struct cuvet_error *err);
/* An image from an image config (JSON, config.md) and, optionally, a view of its files (taken over:
 * freed with the image). For an unpacked root and in tests. */
CUVET_API struct cuvet_image *cuvet_image_from_config(const char *config_json, size_t len,
						      struct cuvet_fs *fs, struct cuvet_error *err);
CUVET_API void cuvet_image_free(struct cuvet_image *img);
CUVET_API const struct cuvet_image_info *cuvet_image_info(const struct cuvet_image *img);
/* The merged layers, or NULL when they were not read (opts.layers false). Owned by the image. */
CUVET_API struct cuvet_fs *cuvet_image_fs(struct cuvet_image *img);
/* The value of config.Env's NAME, or NULL. */
CUVET_API const char *cuvet_image_env(const struct cuvet_image *img, const char *name);

/* ------------------------------------------------------------ registries ---- */

/* The digest a registry gives REF's tag (Docker-Content-Digest of a HEAD/GET with index and
 * manifest types accepted: a multi-platform tag gives its index), verified against the bytes. */
CUVET_API int cuvet_registry_resolve(const char *ref, const struct cuvet_image_opts *opts, char *digest,
				     size_t len, struct cuvet_error *err);

/* ------------------------------------------------------- image analysis ---- */
/* What `cuvet image inspect` reports (src/lib/eval/image_report.c): the config's claims, the
 * libraries the image's files hold (the probe's library discovery on the image's view: no driver,
 * GPU, NVML or host file is read), their disagreements, the knowledge base's stack for the tag,
 * the GPU code of its CUDA libraries and the minimum driver with its evidence. Pointers into the
 * image and the context: both must outlive the report. */

/* A component version the config states (env or label). */
struct cuvet_image_claim {
	const char *key;            /* "CUDA_VERSION", "com.nvidia.cudnn.version" (into the image) */
	const char *value;          /* as written */
	bool label;                 /* from config.Labels */
	const char *family;         /* the library family it speaks of ("cudart", "cudnn"), NULL for none */
	char *version;              /* the version it claims, package revision and build tags taken off
	                               ("9.1.0.70-1" -> "9.1.0.70"); NULL when the value has none */
	unsigned compare_parts;     /* how many leading parts a file's version is compared on (2 for a
	                               toolkit version against libcudart's) */
};

/* One line of the dependency list: a component, its version and where it comes from. */
struct cuvet_image_component {
	const char *component;      /* a library family ("cudart", "cudnn"), or "cuda-compat" */
	const char *version;        /* NULL when unknown */
	const char *source;         /* "file", or the claim's key ("env:CUDA_VERSION", "label:…") */
	const char *path;           /* the file (a library copy in the image), NULL from the config */
	const char *version_source; /* how the file's version was read ("file-name", "dpkg:…") */
	int cuda_major;             /* the CUDA major the copy is built for; 0 unknown */
	const struct cuvet_lib *lib; /* into facts, NULL from the config */
};

/* The config claims a version that the file found contradicts: files win, both are shown. */
struct cuvet_image_mismatch {
	const struct cuvet_image_claim *claim;
	const struct cuvet_lib *lib;
};

/* A compute capability the knowledge base knows a GPU of, and whether the image's CUDA code runs
 * there: every library with GPU code has SASS for it (SASS) or at least PTX it can JIT. */
struct cuvet_image_cc {
	unsigned major, minor;
	char architecture[32];      /* "Hopper" */
	bool sass;                  /* every library has SASS that loads there */
	bool runs;                  /* every library has SASS or PTX for it */
};

/* A floor on the host's driver, and the evidence giving it. */
struct cuvet_image_floor {
	char *driver;               /* "550.54.14", or a branch "580" when only that is known */
	char *evidence;             /* "NVIDIA_REQUIRE_CUDA: cuda>=12.4", "libcudart.so.12.4.127: CUDA 12 …" */
	char *cuda;                 /* the CUDA version it rests on ("12.4") */
	bool minor_compat;          /* the floor through minor-version compatibility (libraries) */
	bool jit_only;              /* only for the GPUs that JIT the image's PTX (no SASS for them):
	                               not part of the minimum */
};

struct cuvet_image_report {
	const struct cuvet_image_info *info;
	char **environ;             /* config.Env as KEY=VALUE, NULL-terminated: the workload's environment */
	struct cuvet_facts *facts;  /* the probe of the image's files; NULL when they were not read */
	size_t nclaims;
	struct cuvet_image_claim *claims;
	size_t ncomponents;
	struct cuvet_image_component *components; /* by component, files first */
	size_t nmismatches;
	struct cuvet_image_mismatch *mismatches;
	bool kb_known;              /* the image's reference is a tag the knowledge base has a row for */
	struct cuvet_kb_image kb;
	size_t ngpu_libs;           /* libraries whose GPU code was read and that carry some */
	const struct cuvet_lib **gpu_libs;
	size_t nccs;
	struct cuvet_image_cc *ccs; /* every CC of the GPU table, ascending; empty without GPU code */
	size_t nfloors;
	struct cuvet_image_floor *floors;
	const struct cuvet_image_floor *min_driver; /* the highest floor, NULL when nothing gives one */
	size_t nnotes;
	char **notes;
};

struct cuvet_image_report_opts {
	bool gpu_code;              /* read the fatbin headers of the image's CUDA libraries */
};
/* IMG's files are probed when it has a view (cuvet_image_fs). CTX and IMG are required. */
CUVET_API struct cuvet_image_report *cuvet_image_report_new(const struct cuvet_ctx *ctx, struct cuvet_image *img,
							    const struct cuvet_image_report_opts *opts,
							    struct cuvet_error *err);
CUVET_API void cuvet_image_report_free(struct cuvet_image_report *r);
/* "cuvet.image/1". The returned string is malloc'ed; free() it. */
CUVET_API char *cuvet_image_report_to_json(const struct cuvet_image_report *r, bool pretty, struct cuvet_error *err);
/* Facts for a container of the image on a host: the host's kernel module, driver libraries (libcuda,
 * NVML: the runtime mounts them in) and GPUs; the image's libraries, toolkits, OS and environment.
 * IMAGE_FACTS may be NULL (the image's files were not read: no libraries). */
CUVET_API struct cuvet_facts *cuvet_image_container_facts(const struct cuvet_facts *host,
							  const struct cuvet_facts *image_facts,
							  const struct cuvet_image_info *info, struct cuvet_error *err);
/* After cuvet_check_eval over a container's host view: the GPU code of the libraries the workload
 * loads against its visible GPUs (doctor's "gpu-code" rules; their errors: no SASS or PTX for a GPU,
 * PTX newer than the driver) joins the check's workload problems, and so its verdict. The facts need
 * the GPU code read (cuvet_image_report_opts.gpu_code). */
CUVET_API int cuvet_image_check_gpu_code(struct cuvet_check *c, const struct cuvet_host *host,
					 struct cuvet_error *err);

/* ------------------------------------------------------------ Dockerfiles ---- */

/* A Dockerfile as BuildKit's dockerfile frontend reads it: parser directives (`# syntax=`,
 * `# escape=`) only before anything else, comments, line continuations with the escape
 * character (comment and empty lines inside one are skipped), heredocs (`<<EOF`, `<<-EOF`,
 * `<<"EOF"`), JSON (exec) and shell forms, flags (`--platform=`, `--from=`, `--checksum=`), and
 * the ARGs before the first FROM with their defaults, `--build-arg` overrides and `${VAR}`,
 * `${VAR:-x}`, `${VAR:+x}` expanded in FROM as BuildKit expands them there. */
struct cuvet_dockerfile_heredoc {
	char *name;        /* "EOF" */
	char *body;        /* the lines between the opening and the closing word (tabs stripped for <<-) */
	bool strip_tabs;   /* <<-EOF */
	bool quoted;       /* <<"EOF" or <<'EOF': no expansion in the body */
};
struct cuvet_dockerfile_instr {
	char *keyword;     /* upper case: "FROM", "RUN" */
	char *args;        /* the text after the keyword, continuations joined (escape and newline removed),
			      flags included, heredoc bodies not */
	unsigned line, end_line; /* 1-based, the first and last line it covers (heredoc bodies too) */
	bool json;         /* exec form: ARGV holds the array */
	char **argv;       /* JSON form: the strings; NULL otherwise */
	size_t argc;
	struct cuvet_dockerfile_heredoc *heredocs;
	size_t nheredocs;
};
struct cuvet_dockerfile_stage {
	size_t instr;      /* index of its FROM in instrs */
	char *image_text;  /* the image as written: "${BASE}:${TAG}", "nvidia/cuda:12.4.1-base-ubuntu22.04" */
	char *image;       /* expanded; NULL when an expansion failed (an unset variable gives "") */
	char *name;        /* the AS name, lower-cased as BuildKit keys it; NULL when none */
	char *platform;    /* --platform value as written, or NULL */
	long base_stage;   /* the earlier stage it builds on (FROM <stage name>), else -1 */
	/* Where IMAGE_TEXT lies in the buffer; image_len 0 when it does not lie there in one piece
	 * (split by a continuation). */
	size_t image_offset, image_len;
};
struct cuvet_dockerfile {
	char escape;                /* '\\' or '`' */
	char *syntax;               /* `# syntax=` directive, or NULL */
	struct cuvet_dockerfile_instr *instrs;
	size_t ninstrs;
	struct cuvet_dockerfile_stage *stages;
	size_t nstages;
	/* The ARGs of the global scope: BuildKit's automatic BUILDPLATFORM, BUILDOS, BUILDARCH,
	 * BUILDVARIANT, TARGETPLATFORM, TARGETOS, TARGETARCH, TARGETVARIANT (the builder's platform,
	 * TARGETPLATFORM from the build arg of that name), then those before the first FROM: name and
	 * value in effect (NULL: none). */
	struct cuvet_image_kv *args;
	size_t nargs;
};
/* Parses LEN bytes. BUILD_ARGS: NULL-terminated "NAME=VALUE" overrides (docker build --build-arg),
 * or NULL. Malformed input (an unterminated heredoc or JSON array, an unknown instruction, a
 * directive with a bad value, no FROM) is CUVET_E_INVALID with the line in the message. */
CUVET_API struct cuvet_dockerfile *cuvet_dockerfile_parse(const char *buf, size_t len, const char *const *build_args,
							  struct cuvet_error *err);
CUVET_API void cuvet_dockerfile_free(struct cuvet_dockerfile *df);

/* Lint findings. IDs are stable ("CV-D001"); each names the hadolint rule it overlaps, if any. */
struct cuvet_dockerfile_finding {
	const char *id;             /* "CV-D002" (static) */
	const char *hadolint;       /* "DL3007", or NULL when hadolint has no such rule (static) */
	const char *name;           /* "latest-tag" (static) */
	enum cuvet_severity severity;
	unsigned line, end_line;    /* of the instruction (or, for a requirements file, its line) */
	char *file;                 /* NULL: the Dockerfile; else the requirements file the line is in */
	char *message;
};
struct cuvet_dockerfile_findings {
	struct cuvet_dockerfile_finding *items;
	size_t count;
};
struct cuvet_dockerfile_lint_opts {
	const struct cuvet_kb *kb;  /* for the known stacks of base images; NULL: that rule is off */
	const char *dir;            /* the Dockerfile's directory, where requirements files are read; NULL: not read */
	/* Registries FROM may name ("nvcr.io", "*.example.com", "docker.io" for Hub's names),
	 * NULL-terminated; NULL: any (the rule is off). */
	const char *const *trusted_registries;
};
/* Every rule's id, hadolint id, name, severity and one line; terminated by an entry with a NULL id. */
struct cuvet_dockerfile_rule {
	const char *id, *hadolint, *name;
	enum cuvet_severity severity;
	const char *summary;
};
CUVET_API const struct cuvet_dockerfile_rule *cuvet_dockerfile_rules(void);
/* Findings in line order. NULL on error (allocation). */
CUVET_API struct cuvet_dockerfile_findings *cuvet_dockerfile_lint(const struct cuvet_dockerfile *df,
								  const struct cuvet_dockerfile_lint_opts *opts,
								  struct cuvet_error *err);
CUVET_API void cuvet_dockerfile_findings_free(struct cuvet_dockerfile_findings *f);

/* Pinning. A digests file has one "REF DIGEST" per line, made for instance by
 *   echo "REF $(skopeo inspect --format '{{.Digest}}' docker://REF)"
 * (REF in any form docker accepts: "ubuntu:22.04" and "docker.io/library/ubuntu:22.04" are the
 * same; no tag is latest); blank lines and lines starting with '#' are skipped; for a reference
 * given twice the last line wins. */
struct cuvet_digests;
CUVET_API struct cuvet_digests *cuvet_digests_parse(const char *buf, size_t len, struct cuvet_error *err);
CUVET_API void cuvet_digests_free(struct cuvet_digests *d);

enum cuvet_pin_state {
	CUVET_PIN_PINNED,      /* already carries a digest: left as it is */
	CUVET_PIN_REWRITTEN,   /* a digest was added */
	CUVET_PIN_STAGE,       /* FROM an earlier stage, or scratch: nothing to pin */
	CUVET_PIN_UNRESOLVED,  /* no digest known for it (not in the digests file, registry error) */
	CUVET_PIN_VARIABLE,    /* the image is written with a variable, or split by a continuation: not rewritten */
};
struct cuvet_pin_line {
	unsigned line;
	enum cuvet_pin_state state;
	char *image;           /* as written (expanded) */
	char *pinned;          /* the new token ("ubuntu:22.04@sha256:…"), or NULL */
	char *why;             /* for UNRESOLVED / VARIABLE: why not, else NULL */
};
struct cuvet_pin_result {
	char *text;            /* the new file (the same bytes where nothing was rewritten) */
	size_t len;
	struct cuvet_pin_line *lines;  /* one per FROM */
	size_t nlines;
	size_t unpinned;       /* FROM lines naming an image that are not pinned after this */
};
/* Resolves every FROM image without a digest through DIGESTS, else (when DIGESTS is NULL or lacks
 * it and REGISTRY is not NULL) through cuvet_registry_resolve with REGISTRY's options, and gives the
 * rewritten bytes: only the image tokens change. */
CUVET_API struct cuvet_pin_result *cuvet_dockerfile_pin(const char *buf, size_t len,
							const struct cuvet_dockerfile *df,
							const struct cuvet_digests *digests,
							const struct cuvet_image_opts *registry,
							struct cuvet_error *err);
CUVET_API void cuvet_pin_result_free(struct cuvet_pin_result *r);

#ifdef __cplusplus
}
#endif

#endif
