/*
 * The in-process floor that OpenSSL alone sets for SecureMail's per-message work, measured in
 * the same run as `securemail-relay bench` (scripts/bench-pipeline.sh):
 *
 *   openssl-floor inbound  DIR CERT KEY CAFILE THREADS REPEAT
 *   openssl-floor outbound DIR CERT KEY RECIPIENT THREADS REPEAT
 *
 * inbound:  SMIME_read_CMS, CMS_decrypt, SMIME_read_CMS of the result, CMS_verify against CAFILE
 *           (what `openssl cms -decrypt | openssl cms -verify` does, without starting processes);
 * outbound: CMS_sign (SHA-256, detached) then CMS_encrypt (AES-256-CBC) to RECIPIENT and to CERT,
 *           written as S/MIME (what `openssl cms -sign | openssl cms -encrypt` does, with the
 *           gateway's recipients: the customer, and the mailbox, which keeps a copy it can read).
 * Every message in DIR is processed REPEAT times over THREADS threads. Prints one line:
 *   messages=N seconds=S messages_per_second=M rsa_ops_per_second=R fraction=F failures=X
 * where R is RSA-2048 PKCS#1 v1.5 signatures per second with KEY over the same threads, measured
 * in four half seconds between four stretches of the messages.
 */
#include "bench-support.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

struct message { unsigned char *bytes; long length; };

static struct message *messages;
static int message_count;
static int outbound;
static long total;
static atomic_long next_index;
static atomic_long failures;
static X509 *certificate, *recipient;
static EVP_PKEY *key;
static X509_STORE *store;
static atomic_int stop_rsa;
static atomic_long rsa_operations;

static void read_messages(const char *folder) {
    DIR *directory = opendir(folder);
    if (!directory) die(folder);
    struct dirent *entry;
    int capacity = 16;
    messages = calloc(capacity, sizeof *messages);
    while ((entry = readdir(directory))) {
        if (entry->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", folder, entry->d_name);
        FILE *file = fopen(path, "rb");
        if (!file) die(path);
        fseek(file, 0, SEEK_END);
        long length = ftell(file);
        fseek(file, 0, SEEK_SET);
        unsigned char *bytes = malloc(length > 0 ? length : 1);
        if (fread(bytes, 1, length, file) != (size_t)length) die(path);
        fclose(file);
        if (message_count == capacity) messages = realloc(messages, (capacity *= 2) * sizeof *messages);
        messages[message_count++] = (struct message){ bytes, length };
    }
    closedir(directory);
    if (message_count == 0) die("no messages");
}

static int process_inbound(const struct message *message) {
    int ok = 0;
    BIO *input = BIO_new_mem_buf(message->bytes, (int)message->length);
    BIO *decrypted = BIO_new(BIO_s_mem()), *content = NULL;
    CMS_ContentInfo *enveloped = input ? SMIME_read_CMS(input, NULL) : NULL, *signed_data = NULL;
    if (enveloped && decrypted && CMS_decrypt(enveloped, key, certificate, NULL, decrypted, 0) == 1) {
        signed_data = SMIME_read_CMS_ex(decrypted, CMS_BINARY, &content, NULL);
        BIO *verified = BIO_new(BIO_s_null());
        if (signed_data && verified && CMS_verify(signed_data, NULL, store, content, verified, CMS_BINARY) == 1) ok = 1;
        BIO_free(verified);
    }
    CMS_ContentInfo_free(signed_data);
    CMS_ContentInfo_free(enveloped);
    BIO_free(content);
    BIO_free(decrypted);
    BIO_free(input);
    ERR_clear_error();
    return ok;
}

static int process_outbound(const struct message *message) {
    int ok = 0;
    BIO *input = BIO_new_mem_buf(message->bytes, (int)message->length);
    BIO *signed_output = BIO_new(BIO_s_mem()), *output = BIO_new(BIO_s_mem());
    STACK_OF(X509) *recipients = sk_X509_new_null();
    CMS_ContentInfo *signed_data = NULL, *enveloped = NULL;
    if (input && signed_output && output && recipients && sk_X509_push(recipients, recipient)
        && sk_X509_push(recipients, certificate)) {
        signed_data = CMS_sign(certificate, key, NULL, input, CMS_DETACHED | CMS_BINARY | CMS_STREAM);
        if (signed_data && SMIME_write_CMS(signed_output, signed_data, input, CMS_DETACHED | CMS_BINARY | CMS_STREAM) == 1) {
            enveloped = CMS_encrypt(recipients, signed_output, EVP_aes_256_cbc(), CMS_BINARY);
            if (enveloped && SMIME_write_CMS(output, enveloped, NULL, 0) == 1) ok = 1;
        }
    }
    CMS_ContentInfo_free(enveloped);
    CMS_ContentInfo_free(signed_data);
    sk_X509_free(recipients);
    BIO_free(output);
    BIO_free(signed_output);
    BIO_free(input);
    ERR_clear_error();
    return ok;
}

/* The end (exclusive) of the stretch of message indices being processed. */
static atomic_long stretch_end;

static void *work(void *unused) {
    (void)unused;
    long index;
    while ((index = atomic_fetch_add(&next_index, 1)) < atomic_load(&stretch_end)) {
        const struct message *message = &messages[index % message_count];
        if (!(outbound ? process_outbound(message) : process_inbound(message))) atomic_fetch_add(&failures, 1);
    }
    return NULL;
}

static void *sign_until_stopped(void *unused) {
    (void)unused;
    unsigned char digest[32] = { 1 }, signature[512];
    EVP_PKEY_CTX *context = EVP_PKEY_CTX_new(key, NULL);
    if (!context || EVP_PKEY_sign_init(context) != 1 || EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) != 1
        || EVP_PKEY_CTX_set_signature_md(context, EVP_sha256()) != 1) die("RSA signing context");
    while (!atomic_load(&stop_rsa)) {
        size_t length = sizeof signature;
        if (EVP_PKEY_sign(context, signature, &length, digest, sizeof digest) != 1) die("RSA signature");
        atomic_fetch_add(&rsa_operations, 1);
    }
    EVP_PKEY_CTX_free(context);
    return NULL;
}

/* RSA-2048 signatures per second over THREADS threads, signing for half a second. */
static double rsa_operations_per_second(int threads) {
    pthread_t workers[threads];
    atomic_store(&stop_rsa, 0);
    atomic_store(&rsa_operations, 0);
    double started = now();
    for (int i = 0; i < threads; i++) pthread_create(&workers[i], NULL, sign_until_stopped, NULL);
    struct timespec pause = { 0, 500000000 };
    nanosleep(&pause, NULL);
    atomic_store(&stop_rsa, 1);
    for (int i = 0; i < threads; i++) pthread_join(workers[i], NULL);
    return atomic_load(&rsa_operations) / (now() - started);
}

int main(int argc, char **argv) {
    if (argc != 8 || (strcmp(argv[1], "inbound") && strcmp(argv[1], "outbound"))) {
        fprintf(stderr, "usage: %s inbound|outbound DIR CERT KEY CAFILE|RECIPIENT THREADS REPEAT\n", argv[0]);
        return 64;
    }
    outbound = strcmp(argv[1], "outbound") == 0;
    read_messages(argv[2]);
    certificate = read_certificate(argv[3]);
    FILE *key_file = fopen(argv[4], "r");
    if (!key_file || !(key = PEM_read_PrivateKey(key_file, NULL, NULL, NULL))) die(argv[4]);
    fclose(key_file);
    if (outbound) {
        recipient = read_certificate(argv[5]);
    } else if (!(store = X509_STORE_new()) || X509_STORE_load_file(store, argv[5]) != 1) {
        die(argv[5]);
    }
    int threads = atoi(argv[6]);
    total = (long)message_count * atol(argv[7]);
    if (threads < 1 || total < 1) die("THREADS and REPEAT must be positive");

    /* As `securemail-relay bench` does: four stretches of messages, each after half a second of
       signatures, so that both are measured at the same times on a machine whose speed drifts. */
    pthread_t workers[threads];
    double seconds = 0, rsa = 0;
    for (int stretch = 1; stretch <= 4; stretch++) {
        rsa += rsa_operations_per_second(threads) / 4;
        atomic_store(&stretch_end, total * stretch / 4);
        double started = now();
        for (int i = 0; i < threads; i++) pthread_create(&workers[i], NULL, work, NULL);
        for (int i = 0; i < threads; i++) pthread_join(workers[i], NULL);
        seconds += now() - started;
        /* A worker that found the stretch over has taken one index past it: give it back. */
        atomic_store(&next_index, total * stretch / 4);
    }
    double rate = total / seconds;
    printf("messages=%ld seconds=%.3f messages_per_second=%.1f rsa_ops_per_second=%.1f fraction=%.3f failures=%ld\n",
           total, seconds, rate, rsa, rate / rsa, atomic_load(&failures));
    return atomic_load(&failures) ? 1 : 0;
}
