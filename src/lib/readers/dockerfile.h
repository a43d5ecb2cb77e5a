/* Inside libcuvet: the Dockerfile helpers shared by the parser (readers/dockerfile.c), the lint
 * rules (eval/dockerfile_lint.c) and pinning (eval/dockerfile_pin.c). */
#ifndef CUVET_DOCKERFILE_H
#define CUVET_DOCKERFILE_H

#include "cuvet_image.h"
#include "internal.h"

/* Expands S as BuildKit's shell lexer expands a word in FROM and ARG: quotes removed ('…'
 * literal, "…" expanded), ESCAPE escapes the next character, $NAME, ${NAME}, ${NAME:-word},
 * ${NAME-word}, ${NAME:+word}, ${NAME+word} from the NVARS pairs (a NULL value is declared but
 * unset). *UNSET is set when a variable without a value was used. NULL on allocation failure or
 * a malformed ${…} (ERR filled). */
char *df_expand(const char *s, char escape, const struct cuvet_image_kv *vars, size_t nvars, bool *unset,
		struct cuvet_error *err);

/* A command line as words, in commands: a NULL entry separates commands (at &&, ||, ;, |, &,
 * parentheses and newlines); quotes removed, ESCAPE escapes the next character ('\\' for a shell,
 * the Dockerfile's escape for the words of COPY, ADD and ENV). Ends with two NULL entries; *N
 * counts them. NULL on allocation failure. */
char **df_shell_words(const char *s, char escape, size_t *n);
void df_words_free(char **w, size_t n);

#endif
