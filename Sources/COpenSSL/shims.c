#include "COpenSSL.h"
#include <string.h>

const char *securemail_openssl_version(void) {
    return OpenSSL_version(OPENSSL_VERSION);
}

void securemail_free(void *pointer) {
    OPENSSL_free(pointer);
}

long securemail_bio_mem_data(BIO *bio, const char **data) {
    char *pointer = NULL;
    long length = BIO_get_mem_data(bio, &pointer);
    *data = pointer;
    return length;
}

STACK_OF(X509) *securemail_sk_X509_new(void) {
    return sk_X509_new_null();
}

int securemail_sk_X509_push1(STACK_OF(X509) *stack, X509 *certificate) {
    if (!X509_up_ref(certificate))
        return 0;
    if (sk_X509_push(stack, certificate) <= 0) {
        X509_free(certificate);
        return 0;
    }
    return 1;
}

int securemail_sk_X509_num(const STACK_OF(X509) *stack) {
    return sk_X509_num(stack);
}

X509 *securemail_sk_X509_value(const STACK_OF(X509) *stack, int index) {
    return sk_X509_value(stack, index);
}

void securemail_sk_X509_free_all(STACK_OF(X509) *stack) {
    sk_X509_pop_free(stack, X509_free);
}

int securemail_sk_CMS_SignerInfo_num(STACK_OF(CMS_SignerInfo) *stack) {
    return sk_CMS_SignerInfo_num(stack);
}

CMS_SignerInfo *securemail_sk_CMS_SignerInfo_value(STACK_OF(CMS_SignerInfo) *stack, int index) {
    return sk_CMS_SignerInfo_value(stack, index);
}

int securemail_sk_CMS_RecipientInfo_num(STACK_OF(CMS_RecipientInfo) *stack) {
    return sk_CMS_RecipientInfo_num(stack);
}

CMS_RecipientInfo *securemail_sk_CMS_RecipientInfo_value(STACK_OF(CMS_RecipientInfo) *stack, int index) {
    return sk_CMS_RecipientInfo_value(stack, index);
}

int securemail_sk_CMS_RecipientEncryptedKey_num(STACK_OF(CMS_RecipientEncryptedKey) *stack) {
    return sk_CMS_RecipientEncryptedKey_num(stack);
}

CMS_RecipientEncryptedKey *securemail_sk_CMS_RecipientEncryptedKey_value(STACK_OF(CMS_RecipientEncryptedKey) *stack, int index) {
    return sk_CMS_RecipientEncryptedKey_value(stack, index);
}

STACK_OF(X509_ALGOR) *securemail_sk_X509_ALGOR_new(void) {
    return sk_X509_ALGOR_new_null();
}

int securemail_sk_X509_ALGOR_num(const STACK_OF(X509_ALGOR) *stack) {
    return sk_X509_ALGOR_num(stack);
}

X509_ALGOR *securemail_sk_X509_ALGOR_value(const STACK_OF(X509_ALGOR) *stack, int index) {
    return sk_X509_ALGOR_value(stack, index);
}

void securemail_sk_X509_ALGOR_free_all(STACK_OF(X509_ALGOR) *stack) {
    sk_X509_ALGOR_pop_free(stack, X509_ALGOR_free);
}

int securemail_sk_GENERAL_NAME_num(const GENERAL_NAMES *names) {
    return sk_GENERAL_NAME_num(names);
}

GENERAL_NAME *securemail_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int index) {
    return sk_GENERAL_NAME_value(names, index);
}

int securemail_verify_ignoring_missing_crl(int ok, X509_STORE_CTX *context) {
    if (!ok && X509_STORE_CTX_get_error(context) == X509_V_ERR_UNABLE_TO_GET_CRL)
        return 1;
    return ok;
}

int securemail_passphrase_callback(char *buffer, int size, int rwflag, void *userdata) {
    (void)rwflag;
    if (userdata == NULL || size <= 0)
        return -1;
    size_t length = strlen((const char *)userdata);
    if (length > (size_t)size)
        return -1;
    memcpy(buffer, userdata, length);
    return (int)length;
}

unsigned long securemail_name_print_flags(void) {
    return XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
}
