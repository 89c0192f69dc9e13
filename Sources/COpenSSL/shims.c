#include "COpenSSL.h"

const char *securemail_openssl_version(void) {
    return OpenSSL_version(OPENSSL_VERSION);
}
