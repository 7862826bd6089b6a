#include <stdio.h>
int main(void) { puts("edisensord"); return 0; }
