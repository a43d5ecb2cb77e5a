/* registry.c — see image_internal.h for what this module does. Being written. */
#include "image_internal.h"
