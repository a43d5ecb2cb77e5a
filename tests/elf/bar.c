/* Two versions of one symbol: bar@BAR_1.0 (hidden, old) and bar@@BAR_2.0 (default). */
int bar_old(void);
int bar_new(void);
int baz(void);
__asm__(".symver bar_old,bar@BAR_1.0");
__asm__(".symver bar_new,bar@@BAR_2.0");
int bar_old(void) { return 1; }
int bar_new(void) { return 2; }
int baz(void) { return 3; }
