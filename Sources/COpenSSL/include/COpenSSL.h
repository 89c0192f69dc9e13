#ifndef SECUREMAIL_COPENSSL_H
#define SECUREMAIL_COPENSSL_H

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/asn1.h>
#include <openssl/rsa.h>

/// OpenSSL version string of the library actually loaded at run time.
const char *securemail_openssl_version(void);

/* OPENSSL_free is a macro. */
void securemail_free(void *pointer);

/* EVP_PKEY_KEYPAIR is a macro built from other macros: a key with its private half. */
static const int securemail_evp_pkey_keypair = EVP_PKEY_KEYPAIR;

/* BIO_get_mem_data is a macro: returns the length and points *data at the bytes. */
long securemail_bio_mem_data(BIO *bio, const char **data);

/* STACK_OF(X509): the typed accessors are macros. */
STACK_OF(X509) *securemail_sk_X509_new(void);
/* Pushes a new reference to certificate (X509_up_ref); returns 0 on failure. */
int securemail_sk_X509_push1(STACK_OF(X509) *stack, X509 *certificate);
int securemail_sk_X509_num(const STACK_OF(X509) *stack);
X509 *securemail_sk_X509_value(const STACK_OF(X509) *stack, int index);
void securemail_sk_X509_free_all(STACK_OF(X509) *stack);

int securemail_sk_CMS_SignerInfo_num(STACK_OF(CMS_SignerInfo) *stack);
CMS_SignerInfo *securemail_sk_CMS_SignerInfo_value(STACK_OF(CMS_SignerInfo) *stack, int index);
int securemail_sk_CMS_RecipientInfo_num(STACK_OF(CMS_RecipientInfo) *stack);
CMS_RecipientInfo *securemail_sk_CMS_RecipientInfo_value(STACK_OF(CMS_RecipientInfo) *stack, int index);
int securemail_sk_CMS_RecipientEncryptedKey_num(STACK_OF(CMS_RecipientEncryptedKey) *stack);
CMS_RecipientEncryptedKey *securemail_sk_CMS_RecipientEncryptedKey_value(STACK_OF(CMS_RecipientEncryptedKey) *stack, int index);

STACK_OF(X509_ALGOR) *securemail_sk_X509_ALGOR_new(void);
int securemail_sk_X509_ALGOR_num(const STACK_OF(X509_ALGOR) *stack);
X509_ALGOR *securemail_sk_X509_ALGOR_value(const STACK_OF(X509_ALGOR) *stack, int index);
void securemail_sk_X509_ALGOR_free_all(STACK_OF(X509_ALGOR) *stack);

int securemail_sk_GENERAL_NAME_num(const GENERAL_NAMES *names);
GENERAL_NAME *securemail_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int index);

/* Verify callback for X509_STORE_CTX_set_verify_cb: with CRL checking on for the whole chain,
   a certificate whose issuer published no CRL in the store is accepted (only
   X509_V_ERR_UNABLE_TO_GET_CRL is ignored); every other error stays fatal. */
int securemail_verify_ignoring_missing_crl(int ok, X509_STORE_CTX *context);

/* pem_password_cb that copies the NUL-terminated passphrase in userdata, or fails when there is
   none (OpenSSL's default callback would prompt on the terminal). */
int securemail_passphrase_callback(char *buffer, int size, int rwflag, void *userdata);

/* XN_FLAG_RFC2253 without escaping non-ASCII characters, so that names print as UTF-8. */
unsigned long securemail_name_print_flags(void);

#endif
