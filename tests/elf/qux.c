int qux(void);
int qux(void) { return 4; }
