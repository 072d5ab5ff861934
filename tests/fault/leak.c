/* A program that leaks one block through the failing allocator, so
 * tests/fault/alloc.bats can see the leak count work (exit 97). */
#include "alloc.h"

int main(void)
{
	return ad_malloc(16) == NULL;
}
