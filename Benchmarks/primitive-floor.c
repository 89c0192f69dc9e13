/*
 * What the cryptographic primitives alone cost per message, against the RSA-2048 private-key
 * operation that issue 8's targets are measured by, in one run on one thread
 * (scripts/bench-pipeline.sh):
 *
 *   primitive-floor CERT KEY SIGNER_CERT BYTES
 *
 * CERT and KEY are the mailbox's; SIGNER_CERT is a customer's certificate; BYTES the size of a
 * message's content. Times, each the mean over a batch of calls with everything set up
 * beforehand (keys parsed, contexts and ciphers fetched once); the batches of all operations
 * take turns, nine rounds, and each operation keeps its fastest round, so that another
 * process on a shared machine slows no operation more than another:
 *   sign      RSA PKCS#1 v1.5 signature with KEY (the operation the RSA limit counts)
 *   decrypt   RSA PKCS#1 v1.5 decryption of a 32-byte content key with KEY
 *   verify    RSA signature verification with CERT's public key
 *   encrypt   RSA PKCS#1 v1.5 encryption of a content key to CERT
 *   aes       AES-256-CBC over BYTES
 *   sha256    SHA-256 over BYTES
 *   x509      d2i_X509 of SIGNER_CERT (OpenSSL 3.0 decodes its public key through the provider
 *             decoders each time)
 * and the shares of the RSA limit that the primitives alone would allow:
 *   inbound  = sign / (decrypt + 2 verify + aes + sha256): the content key, the signature and the
 *              signer's certificate checked against its CA, the content decrypted and hashed
 *   outbound = sign / (sign + 2 encrypt + aes + sha256): signed, encrypted to two recipients
 * Prints KEY=VALUE pairs on one line.
 */
#include "bench-support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static EVP_PKEY_CTX *context(EVP_PKEY *key, int (*init)(EVP_PKEY_CTX *)) {
    EVP_PKEY_CTX *made = EVP_PKEY_CTX_new(key, NULL);
    if (!made || init(made) != 1) die("set up an RSA operation");
    return made;
}

/* Keeps in `seconds` the fastest mean per call of the rounds so far. The body is variadic: it may
   hold commas. */
#define TIME_CALLS(seconds, calls, ...)                   \
    do {                                                  \
        double start = now();                             \
        for (int call = 0; call < (calls); call++) {      \
            __VA_ARGS__;                                  \
        }                                                 \
        double mean = (now() - start) / (calls);          \
        if (mean < (seconds)) (seconds) = mean;           \
    } while (0)

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s CERT KEY SIGNER_CERT BYTES\n", argv[0]);
        return 2;
    }
    X509 *certificate = read_certificate(argv[1]);
    FILE *key_file = fopen(argv[2], "r");
    EVP_PKEY *key = key_file ? PEM_read_PrivateKey(key_file, NULL, NULL, NULL) : NULL;
    if (key_file) fclose(key_file);
    if (!key) die(argv[2]);
    X509 *signer = read_certificate(argv[3]);
    long bytes = atol(argv[4]);
    if (bytes <= 0) die("BYTES must be positive");

    unsigned char *signer_der = NULL;
    int signer_length = i2d_X509(signer, &signer_der);
    unsigned char *content = calloc(1, bytes + 32), *output = malloc(bytes + 32);
    if (signer_length <= 0 || !content || !output) die("out of memory");
    EVP_PKEY *public_key = X509_get0_pubkey(certificate);

    unsigned char digest[32] = {1}, signature[512], content_key[32] = {2}, wrapped[512], unwrapped[512];
    size_t signature_length = sizeof signature, wrapped_length = sizeof wrapped, length;
    EVP_PKEY_CTX *signing = context(key, EVP_PKEY_sign_init);
    EVP_PKEY_CTX *verifying = context(public_key, EVP_PKEY_verify_init);
    EVP_PKEY_CTX *encrypting = context(public_key, EVP_PKEY_encrypt_init);
    EVP_PKEY_CTX *decrypting = context(key, EVP_PKEY_decrypt_init);
    if (EVP_PKEY_CTX_set_signature_md(signing, EVP_sha256()) != 1
        || EVP_PKEY_CTX_set_signature_md(verifying, EVP_sha256()) != 1
        || EVP_PKEY_sign(signing, signature, &signature_length, digest, sizeof digest) != 1
        || EVP_PKEY_encrypt(encrypting, wrapped, &wrapped_length, content_key, sizeof content_key) != 1) {
        die("sign or encrypt once");
    }
    EVP_CIPHER *aes = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
    EVP_MD *sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_CIPHER_CTX *cipher = EVP_CIPHER_CTX_new();
    if (!aes || !sha256 || !cipher) die("fetch AES-256-CBC and SHA-256");
    unsigned char iv[16] = {0};

    double sign = 1e9, decrypt = 1e9, verify = 1e9, encrypt = 1e9, aes_time = 1e9, sha_time = 1e9, x509 = 1e9;
    int failed = 0;
    for (int round = 0; round < 9; round++) {
        TIME_CALLS(sign, 100, {
            length = sizeof signature;
            failed |= EVP_PKEY_sign(signing, signature, &length, digest, sizeof digest) != 1;
        });
        TIME_CALLS(decrypt, 100, {
            length = sizeof unwrapped;
            failed |= EVP_PKEY_decrypt(decrypting, unwrapped, &length, wrapped, wrapped_length) != 1;
        });
        TIME_CALLS(verify, 1000, {
            failed |= EVP_PKEY_verify(verifying, signature, signature_length, digest, sizeof digest) != 1;
        });
        TIME_CALLS(encrypt, 1000, {
            length = sizeof wrapped;
            failed |= EVP_PKEY_encrypt(encrypting, wrapped, &length, content_key, sizeof content_key) != 1;
        });
        TIME_CALLS(aes_time, 500, {
            int written = 0, last = 0;
            failed |= EVP_EncryptInit_ex2(cipher, aes, content_key, iv, NULL) != 1
                || EVP_EncryptUpdate(cipher, output, &written, content, (int)bytes) != 1
                || EVP_EncryptFinal_ex(cipher, output + written, &last) != 1;
        });
        TIME_CALLS(sha_time, 500, {
            unsigned int digest_length = 0;
            failed |= EVP_Digest(content, bytes, digest, &digest_length, sha256, NULL) != 1;
        });
        TIME_CALLS(x509, 500, {
            const unsigned char *cursor = signer_der;
            X509 *parsed = d2i_X509(NULL, &cursor, signer_length);
            failed |= parsed == NULL;
            X509_free(parsed);
        });
    }
    if (failed) die("a timed operation failed");

    double inbound = sign / (decrypt + 2 * verify + aes_time + sha_time);
    double outbound = sign / (sign + 2 * encrypt + aes_time + sha_time);
    printf("bytes=%ld sign_us=%.1f decrypt_us=%.1f verify_us=%.1f encrypt_us=%.1f aes_us=%.1f sha256_us=%.1f "
           "x509_us=%.1f inbound=%.3f outbound=%.3f\n",
           bytes, sign * 1e6, decrypt * 1e6, verify * 1e6, encrypt * 1e6, aes_time * 1e6, sha_time * 1e6,
           x509 * 1e6, inbound, outbound);

    EVP_CIPHER_CTX_free(cipher);
    EVP_MD_free(sha256);
    EVP_CIPHER_free(aes);
    EVP_PKEY_CTX_free(decrypting);
    EVP_PKEY_CTX_free(encrypting);
    EVP_PKEY_CTX_free(verifying);
    EVP_PKEY_CTX_free(signing);
    OPENSSL_free(signer_der);
    free(output);
    free(content);
    X509_free(signer);
    EVP_PKEY_free(key);
    X509_free(certificate);
    return 0;
}
