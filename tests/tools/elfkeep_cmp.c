/* elfkeep_cmp FILE...: streams each file through the image view's ELF keeper (src/lib/image/
 * elfkeep.c) in chunks of varying size, stores the sparse copy in an in-memory view, and
 * compares what the readers answer on it with their answers on the real bytes: cuvet_elf_read,
 * cuvet_elf_read_symbols, cuvet_elf_interp, and the arch report JSON (with every entry) of
 * cuvet_fatbin_parse and cuvet_fatbin_parse_deep. Prints one line per file:
 *   same  PATH SIZE HELD    the answers are identical
 *   held- PATH SIZE         the copy says "not held" (allowed: no wrong answer)
 *   DIFF  PATH what         an answer differs (exit status 1)
 * and, last, "total SIZE HELD". Exit 2 on a usage or I/O error. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cuvet_readers.h"
#include "elfkeep.h"

static char *render_elf(const void *b, size_t n)
{
	struct cuvet_elf_info info;
	struct cuvet_error err = {0};
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		exit(2);
	if (cuvet_elf_read(b, n, &info, &err) < 0) {
		fprintf(f, "error %d %s\n", err.code, err.msg);
	} else {
		fprintf(f, "class %d order %d machine %d type %d soname %s rpath %s runpath %s nodeflib %d\n",
			info.elf_class, info.byte_order, info.machine, info.type, info.soname ? info.soname : "-",
			info.rpath ? info.rpath : "-", info.runpath ? info.runpath : "-", info.nodeflib);
		for (size_t i = 0; i < info.nneeded; i++)
			fprintf(f, "needed %s\n", info.needed[i]);
		cuvet_elf_info_release(&info);
	}
	struct cuvet_elf_symbols syms;
	if (cuvet_elf_read_symbols(b, n, &syms, &err) < 0) {
		fprintf(f, "symbols error %d %s\n", err.code, err.msg);
	} else {
		for (size_t i = 0; i < syms.nverneed; i++)
			for (size_t j = 0; j < syms.verneed[i].nversions; j++)
				fprintf(f, "verneed %s %s %d\n", syms.verneed[i].file, syms.verneed[i].versions[j],
					syms.verneed[i].weak[j]);
		for (size_t i = 0; i < syms.nverdef; i++)
			fprintf(f, "verdef %s %d\n", syms.verdef[i], syms.verdef_base[i]);
		for (size_t i = 0; i < syms.nsyms; i++) {
			const struct cuvet_elf_symbol *s = &syms.syms[i];
			fprintf(f, "sym %s %s %d%d%d %d %d\n", s->name, s->version ? s->version : "-", s->defined, s->weak,
				s->hidden, s->type, s->bind);
		}
		cuvet_elf_symbols_release(&syms);
	}
	char interp[4096];
	int r = cuvet_elf_interp(b, n, interp, sizeof(interp), &err);
	fprintf(f, "interp %d %s\n", r, r > 0 ? interp : r < 0 ? err.msg : "");
	for (int deep = 0; deep < 2; deep++) {
		struct cuvet_fatbin *fb = deep ? cuvet_fatbin_parse_deep(b, n, &err) : cuvet_fatbin_parse(b, n, &err);
		if (!fb) {
			fprintf(f, "fatbin error %d %s\n", err.code, err.msg);
			continue;
		}
		struct cuvet_arch_opts o = {.all = true, .entries = true};
		struct cuvet_arch_report *rep = cuvet_arch_report_new(fb, &o, &err);
		struct cuvet_arch_file af = {.path = "x", .report = rep, .error = rep ? NULL : err.msg};
		char *j = cuvet_arch_report_to_json(&af, 1, false, &err);
		fprintf(f, "arch %s\n", j ? j : err.msg);
		free(j);
		cuvet_arch_report_free(rep);
		cuvet_fatbin_free(fb);
	}
	fclose(f);
	return out;
}

int main(int argc, char **argv)
{
	int status = 0;
	unsigned long long total = 0, total_held = 0;
	unsigned seed = 12345;
	for (int a = 1; a < argc; a++) {
		int fd = open(argv[a], O_RDONLY);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			perror(argv[a]);
			return 2;
		}
		size_t size = (size_t)st.st_size;
		void *real = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
		close(fd);
		if (size && real == MAP_FAILED) {
			perror(argv[a]);
			return 2;
		}
		struct cuvet_error err = {0};
		struct cuvet_fs *fs = cuvet_fs_mem_new(&err);
		struct elfkeep *k = fs ? elfkeep_new(size, &err) : NULL;
		if (!k) {
			fprintf(stderr, "%s\n", err.msg);
			return 2;
		}
		for (size_t off = 0; off < size;) {
			seed = seed * 1103515245u + 12345u;
			size_t n = 1 + (seed >> 8) % (seed & 1 ? 16 : (1u << 20));
			if (getenv("ELFKEEP_CHUNK"))
				n = (size_t)atol(getenv("ELFKEEP_CHUNK"));
			if (n > size - off)
				n = size - off;
			if (elfkeep_feed(k, (const char *)real + off, n, &err) < 0) {
				fprintf(stderr, "%s: %s\n", argv[a], err.msg);
				return 2;
			}
			off += n;
		}
		if (elfkeep_add(k, fs, "/f", 0644, &err) < 0) {
			fprintf(stderr, "%s: %s\n", argv[a], err.msg);
			return 2;
		}
		unsigned long long held = elfkeep_held(k);
		elfkeep_free(k);
		const void *sp;
		size_t splen;
		total += size;
		total_held += held;
		if (cuvet_fs_map(fs, "/f", &sp, &splen, &err) < 0) {
			printf("held- %s %zu (%s)\n", argv[a], size, err.msg);
		} else {
			char *x = render_elf(real, size), *y = render_elf(sp, splen);
			if (splen != size || strcmp(x, y) != 0) {
				status = 1;
				size_t i = 0;
				while (x[i] && x[i] == y[i])
					i++;
				if (getenv("ELFKEEP_DUMP")) {
					FILE *fx = fopen("/tmp/elfkeep_real.txt", "w"), *fy = fopen("/tmp/elfkeep_sparse.txt", "w");
					if (fx && fy) {
						fputs(x, fx);
						fputs(y, fy);
					}
					if (fx)
						fclose(fx);
					if (fy)
						fclose(fy);
				}
				printf("DIFF  %s at char %zu: real \"%.120s\" sparse \"%.120s\"\n", argv[a], i, x + i, y + i);
			} else {
				printf("same  %s %zu %llu\n", argv[a], size, held);
			}
			free(x);
			free(y);
			cuvet_fs_unmap(fs, sp, splen);
		}
		cuvet_fs_free(fs);
		if (size)
			munmap(real, size);
	}
	printf("total %llu %llu\n", total, total_held);
	return status;
}
