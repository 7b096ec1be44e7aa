#include <stdio.h>
int main(void) { puts("mamori"); return 0; }
