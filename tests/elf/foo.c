/* Needs bar@BAR_2.0 from libbar.so.2, qux from libqux.so.3 (unversioned) and cos from libm. */
#include <math.h>
int bar(void);
int qux(void);
int foo_a(void);
double foo_b(double x);
extern int maybe(void) __attribute__((weak));
int foo_a(void) { return bar() + qux() + (maybe ? maybe() : 0); }
double foo_b(double x) { return cos(x); }
