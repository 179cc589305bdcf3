// Declarations only: libFuzzer's runtime defines LLVMFuzzerRunDriver (see include/CLibFuzzer.h).
#include "CLibFuzzer.h"
