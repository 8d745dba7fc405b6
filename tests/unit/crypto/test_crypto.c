/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests for src/crypto: every primitive against its published vectors (RFCs, FIPS, NIST, MS-NLMP
 * 4.2.4, Microsoft's SMB 3.x key-derivation walkthrough), and SMB2 signing against signed
 * messages from that walkthrough, an independent EVP GCM computation and tampering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "crypto/crypto.h"
#include "crypto_test.h"

/* ---- helpers ---- */

/* ASCII to UTF-16LE, as NTLM wants strings. */
static size_t utf16le(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s);

	assert_true(2 * n <= cap);
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = (uint8_t)s[i];
		out[2 * i + 1] = 0;
	}
	return 2 * n;
}

static int setup(void **state)
{
	return crypto_init() ? 0 : -1;
}

static int teardown(void **state)
{
	crypto_shutdown();
	return 0;
}

/* ---- hashes ---- */

static void test_md4_rfc1320(void **state)
{
	/* RFC 1320 A.5 test suite. */
	static const struct { const char *in, *md; } v[] = {
		{ "", "31d6cfe0d16ae931b73c59d7e0c089c0" },
		{ "a", "bde52cb31de33e46245e05fbdbd6fb24" },
		{ "abc", "a448017aaf21d8525fc10ae87aa6729d" },
		{ "message digest", "d9130a8164549fe818874806e1c7014b" },
		{ "abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		  "043f8582f241db351ce627e153e7f0e4" },
		{ "1234567890123456789012345678901234567890"
		  "1234567890123456789012345678901234567890",
		  "e33b4ddc9c38f2199c3e7b164fcc0536" },
	};
	uint8_t out[16];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_true(crypto_md4(v[i].in, strlen(v[i].in), out));
		expect_hex(out, 16, v[i].md);
	}
}

static void test_md5_rfc1321(void **state)
{
	/* RFC 1321 A.5 test suite. */
	static const struct { const char *in, *md; } v[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
	};
	uint8_t out[16];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_true(crypto_md5(v[i].in, strlen(v[i].in), out));
		expect_hex(out, 16, v[i].md);
	}
}

static void test_sha2_fips180(void **state)
{
	/* FIPS 180-2 appendix examples: "abc" and the two-block messages. */
	static const char abc[] = "abc";
	static const char m256[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char m512[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
				   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	uint8_t out256[32], out512[64];
	struct crypto_part p;

	p = (struct crypto_part){ abc, 3 };
	assert_true(crypto_sha256(&p, 1, out256));
	expect_hex(out256, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(crypto_sha512(&p, 1, out512));
	expect_hex(out512, 64,
		   "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		   "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");

	/* The same message split across parts must hash the same. */
	const struct crypto_part split256[3] = {
		{ m256, 5 }, { NULL, 0 }, { m256 + 5, strlen(m256) - 5 },
	};
	assert_true(crypto_sha256(split256, 3, out256));
	expect_hex(out256, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

	p = (struct crypto_part){ m512, strlen(m512) };
	assert_true(crypto_sha512(&p, 1, out512));
	expect_hex(out512, 64,
		   "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
		   "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");

	/* A part with a NULL pointer and a length is refused, not dereferenced. */
	p = (struct crypto_part){ NULL, 1 };
	assert_false(crypto_sha256(&p, 1, out256));
}

/* ---- MACs ---- */

static void test_hmac_md5_rfc2202(void **state)
{
	uint8_t key[80], data[50], out[16];

	/* RFC 2202 test case 1 (also RFC 2104 appendix). */
	memset(key, 0x0b, 16);
	struct crypto_part p = { "Hi There", 8 };
	assert_true(crypto_hmac_md5(key, 16, &p, 1, out));
	expect_hex(out, 16, "9294727a3638bb1c13f48ef8158bfc9d");

	/* Test case 2, the data given in two parts. */
	const struct crypto_part two[2] = { { "what do ya want ", 16 }, { "for nothing?", 12 } };
	assert_true(crypto_hmac_md5((const uint8_t *)"Jefe", 4, two, 2, out));
	expect_hex(out, 16, "750c783e6ab0b503eaa86e310a5db738");

	/* Test case 3. */
	memset(key, 0xaa, 16);
	memset(data, 0xdd, 50);
	p = (struct crypto_part){ data, 50 };
	assert_true(crypto_hmac_md5(key, 16, &p, 1, out));
	expect_hex(out, 16, "56be34521d144c88dbb8c733f0e8b3f6");

	/* Test case 6: a key longer than the block. */
	memset(key, 0xaa, 80);
	p = (struct crypto_part){ "Test Using Larger Than Block-Size Key - Hash Key First", 54 };
	assert_true(crypto_hmac_md5(key, 80, &p, 1, out));
	expect_hex(out, 16, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
}

static void test_hmac_sha256_rfc4231(void **state)
{
	uint8_t key[131], data[50], out[32];
	struct crypto_part p;

	/* RFC 4231 test case 1. */
	memset(key, 0x0b, 20);
	p = (struct crypto_part){ "Hi There", 8 };
	assert_true(crypto_hmac_sha256(key, 20, &p, 1, out));
	expect_hex(out, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

	/* Test case 2. */
	p = (struct crypto_part){ "what do ya want for nothing?", 28 };
	assert_true(crypto_hmac_sha256((const uint8_t *)"Jefe", 4, &p, 1, out));
	expect_hex(out, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

	/* Test case 3. */
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	p = (struct crypto_part){ data, 50 };
	assert_true(crypto_hmac_sha256(key, 20, &p, 1, out));
	expect_hex(out, 32, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");

	/* Test case 6: 131-byte key. */
	memset(key, 0xaa, 131);
	p = (struct crypto_part){ "Test Using Larger Than Block-Size Key - Hash Key First", 54 };
	assert_true(crypto_hmac_sha256(key, 131, &p, 1, out));
	expect_hex(out, 32, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_aes128_cmac_rfc4493(void **state)
{
	/* RFC 4493 section 4, examples 1-4. */
	static const char msg_hex[] = "6bc1bee22e409f96e93d7e117393172a"
				      "ae2d8a571e03ac9c9eb76fac45af8e51"
				      "30c81c46a35ce411e5fbc1191a0a52ef"
				      "f69f2445df4f9b17ad2b417be66c3710";
	static const struct { size_t len; const char *mac; } v[] = {
		{ 0, "bb1d6929e95937287fa37d129b756746" },
		{ 16, "070a16b46b4d4144f79bdd9dd04a287c" },
		{ 40, "dfa66747de9ae63030ca32611497c827" },
		{ 64, "51f0bebf7e3b9d92fc49741779363cfe" },
	};
	uint8_t key[16], msg[64], out[16];

	unhex_to("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
	unhex_to(msg_hex, msg, 64);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct crypto_part p = { msg, v[i].len };

		assert_true(crypto_aes128_cmac(key, &p, 1, out));
		expect_hex(out, 16, v[i].mac);
	}
	/* Example 3 again, cut at a non-block boundary. */
	const struct crypto_part parts[2] = { { msg, 7 }, { msg + 7, 33 } };
	assert_true(crypto_aes128_cmac(key, parts, 2, out));
	expect_hex(out, 16, "dfa66747de9ae63030ca32611497c827");
}

static void test_aes128_gmac_published(void **state)
{
	uint8_t key[16], nonce[12], aad[16], out[16];
	struct crypto_part p;

	/* GCM specification (McGrew-Viega) test case 1 / SP 800-38D: zero key and IV, nothing
	 * authenticated. */
	memset(key, 0, 16);
	memset(nonce, 0, 12);
	assert_true(crypto_aes128_gmac(key, nonce, NULL, 0, out));
	expect_hex(out, 16, "58e2fccefa7e3061367f1d57a4e7455a");

	/* NIST CAVP gcmEncryptExtIV128, PTlen = 0, AADlen = 128, Count 0 and 1. */
	unhex_to("77be63708971c4e240d1cb79e8d77feb", key, 16);
	unhex_to("e0e00f19fed7ba0136a797f3", nonce, 12);
	unhex_to("7a43ec1d9c0a5a78a0b16533a6213cab", aad, 16);
	p = (struct crypto_part){ aad, 16 };
	assert_true(crypto_aes128_gmac(key, nonce, &p, 1, out));
	expect_hex(out, 16, "209fcc8d3675ed938e9c7166709dd946");

	unhex_to("7680c5d3ca6154758e510f4d25b98820", key, 16);
	unhex_to("f8f105f9c3df4965780321f8", nonce, 12);
	unhex_to("c94c410194c765e3dcc7964379758ed3", aad, 16);
	assert_true(crypto_aes128_gmac(key, nonce, &p, 1, out));
	expect_hex(out, 16, "94dca8edfcf90bb74b153c8d48a17930");
}

/* The MACs reuse one context per thread and algorithm: interleaving algorithms and keys must
 * give every answer as a fresh context would (RFC 4493 example 2, RFC 4231 case 2, GCM case 1). */
static void test_cached_mac_contexts_rekey(void **state)
{
	uint8_t ckey[16], msg[16], zero16[16] = { 0 }, out[32], first[16];
	struct crypto_part p = { msg, 16 };
	struct crypto_part jefe = { "what do ya want for nothing?", 28 };

	unhex_to("2b7e151628aed2a6abf7158809cf4f3c", ckey, 16);
	unhex_to("6bc1bee22e409f96e93d7e117393172a", msg, 16);
	for (int round = 0; round < 3; round++) {
		assert_true(crypto_aes128_cmac(ckey, &p, 1, out));
		expect_hex(out, 16, "070a16b46b4d4144f79bdd9dd04a287c");
		memcpy(first, out, 16);
		/* another key in between: a different MAC, then the first key's again */
		assert_true(crypto_aes128_cmac(zero16, &p, 1, out));
		assert_memory_not_equal(out, first, 16);
		assert_true(crypto_hmac_sha256((const uint8_t *)"Jefe", 4, &jefe, 1, out));
		expect_hex(out, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
		assert_true(crypto_aes128_gmac(zero16, zero16, NULL, 0, out));
		expect_hex(out, 16, "58e2fccefa7e3061367f1d57a4e7455a");
	}
	(void)state;
}

/* ---- RC4 ---- */

static void test_rc4_rfc6229(void **state)
{
	/* RFC 6229 section 2, 40-bit key 0x0102030405: key stream at offsets 0, 16, 240, 256. */
	static const uint8_t key[5] = { 1, 2, 3, 4, 5 };
	uint8_t zeros[272], ks[272], buf[272];
	struct crypto_rc4_state *st;

	memset(zeros, 0, sizeof(zeros));
	assert_true(crypto_rc4(key, 5, zeros, sizeof(zeros), ks));
	expect_hex(ks, 16, "b2396305f03dc027ccc3524a0a1118a8");
	expect_hex(ks + 16, 16, "6982944f18fc82d589c403a47a0d0919");
	expect_hex(ks + 240, 16, "28cb1132c96ce286421dcaadb8b69eae");
	expect_hex(ks + 256, 16, "1cfcf62b03eddb641d77dfcf7f8d8c93");

	/* In place. */
	memset(buf, 0, sizeof(buf));
	assert_true(crypto_rc4(key, 5, buf, sizeof(buf), buf));
	assert_memory_equal(buf, ks, sizeof(ks));

	/* The running state continues the stream across uneven calls. */
	st = crypto_rc4_new(key, 5);
	assert_non_null(st);
	memset(buf, 0, sizeof(buf));
	assert_true(crypto_rc4_update(st, buf, 1, buf));
	assert_true(crypto_rc4_update(st, buf + 1, 0, buf + 1));
	assert_true(crypto_rc4_update(st, buf + 1, 100, buf + 1));
	assert_true(crypto_rc4_update(st, buf + 101, 171, buf + 101));
	assert_memory_equal(buf, ks, sizeof(ks));
	crypto_rc4_free(st);
	crypto_rc4_free(NULL);

	/* RC4 needs 1..256 key bytes. */
	assert_false(crypto_rc4(key, 0, zeros, 16, buf));
	assert_null(crypto_rc4_new(key, 0));
	assert_false(crypto_rc4_update(NULL, zeros, 16, buf));
}

/* ---- NTLMv2 from the primitives ---- */

static void test_ntlmv2_ms_nlmp_4_2_4(void **state)
{
	/*
	 * MS-NLMP 4.2.4: User "User", UserDom "Domain", Passwd "Password", ServerChallenge
	 * 0123456789abcdef, ClientChallenge aa..aa, Time 0, AV pairs NbDomainName "Domain" and
	 * NbComputerName "Server", RandomSessionKey 55..55.
	 */
	uint8_t pw[32], ident[32], nt_hash[16], ntowfv2[16], out[16], enc[16];
	uint8_t server_chal[8], client_chal[8], random_key[16];
	size_t pw_len, ident_len, temp_len;
	uint8_t *temp;

	pw_len = utf16le("Password", pw, sizeof(pw));
	assert_true(crypto_md4(pw, pw_len, nt_hash));
	expect_hex(nt_hash, 16, "a4f49c406510bdcab6824ee7c30fd852");       /* 4.2.2.1.2 NTOWFv1 */

	/* NTOWFv2 = HMAC_MD5(NTOWFv1, UNICODE(Uppercase(User) || UserDom)) */
	ident_len = utf16le("USERDomain", ident, sizeof(ident));
	struct crypto_part p = { ident, ident_len };
	assert_true(crypto_hmac_md5(nt_hash, 16, &p, 1, ntowfv2));
	expect_hex(ntowfv2, 16, "0c868a403bfd7a93a3001ef22ef02e3f");       /* 4.2.4.1.1 */

	unhex_to("0123456789abcdef", server_chal, 8);
	memset(client_chal, 0xaa, 8);
	/* LMv2 = HMAC_MD5(ResponseKeyLM, ServerChallenge || ClientChallenge) (4.2.4.2.1) */
	const struct crypto_part lm[2] = { { server_chal, 8 }, { client_chal, 8 } };
	assert_true(crypto_hmac_md5(ntowfv2, 16, lm, 2, out));
	expect_hex(out, 16, "86c35097ac9cec102554764a57cccc19");

	/* temp = Responserversion, HiResponserversion, Z(6), Time, ClientChallenge, Z(4),
	 * ServerName (the AV pairs), Z(4) */
	temp = unhex("0101000000000000" "0000000000000000" "aaaaaaaaaaaaaaaa" "00000000"
		     "02000c0044006f006d00610069006e00" "01000c00530065007200760065007200"
		     "00000000" "00000000", &temp_len);
	const struct crypto_part nt[2] = { { server_chal, 8 }, { temp, temp_len } };
	uint8_t proof[16];
	assert_true(crypto_hmac_md5(ntowfv2, 16, nt, 2, proof));
	expect_hex(proof, 16, "68cd0ab851e51c96aabc927bebef6a1c");         /* NTProofStr */
	free(temp);

	/* SessionBaseKey = HMAC_MD5(ResponseKeyNT, NTProofStr) (4.2.4.1.2) */
	p = (struct crypto_part){ proof, 16 };
	assert_true(crypto_hmac_md5(ntowfv2, 16, &p, 1, out));
	expect_hex(out, 16, "8de40ccadbc14a82f15cb0ad0de95ca3");

	/* KeyExchangeKey = SessionBaseKey; EncryptedRandomSessionKey = RC4K(KXKEY, 55..55)
	 * (4.2.4.2.3), and RC4 with the same key undoes it. */
	memset(random_key, 0x55, 16);
	assert_true(crypto_rc4(out, 16, random_key, 16, enc));
	expect_hex(enc, 16, "c5dad2544fc9799094ce1ce90bc9d03e");
	assert_true(crypto_rc4(out, 16, enc, 16, enc));
	assert_memory_equal(enc, random_key, 16);
}

/* ---- SMB 3.x: Microsoft's published walkthrough ---- */

/*
 * The SMB 3.1.1 exchange from Microsoft's "SMB 2 and SMB 3 security in Windows 10: the anatomy of
 * signing and cryptographic keys" (Open Specifications blog, appendix "Key derivation example for
 * SMB 3.1.1 multichannel"): the messages of the first channel in order, then signed messages of
 * both channels.
 */
#define PREAUTH_NEG_REQ \
	"FE534D4240000100000000000000800000000000000000000100000000000000FFFE000000000000" \
	"00000000000000000000000000000000000000000000000024000500000000003F000000ECD86F32" \
	"6276024F9F7752B89BB33F3A70000000020000000202100200030203110300000100260000000000" \
	"010020000100FA49E6578F1F3A9F4CD3E9CC14A67AA884B3D05844E0E5A118225C15887F32FF0000" \
	"0200060000000000020002000100"

#define PREAUTH_NEG_RSP \
	"FE534D4240000100000000000000010001000000000000000100000000000000FFFE000000000000" \
	"000000000000000000000000000000000000000000000000410001001103020039CBCAF329714942" \
	"BDCE5D60F09AB3FB2F000000000080000000800000008000D8DAE5ADCBAED00109094AB095AED001" \
	"80004001C00100006082013C06062B0601050502A08201303082012CA01A3018060A2B0601040182" \
	"3702021E060A2B06010401823702020AA282010C048201084E45474F455854530100000000000000" \
	"60000000700000007C7CC0FD06D6362D02DDE1CF343BFE292900F49750B4AA97934D9C4296B26E51" \
	"FD370471B235E15A50DAE15BD5489C87000000000000000060000000010000000000000000000000" \
	"5C33530DEAF90D4DB2EC4AE3786EC3084E45474F4558545303000000010000004000000098000000" \
	"7C7CC0FD06D6362D02DDE1CF343BFE295C33530DEAF90D4DB2EC4AE3786EC3084000000058000000" \
	"3056A05430523027802530233121301F06035504031318546F6B656E205369676E696E6720507562" \
	"6C6963204B65793027802530233121301F06035504031318546F6B656E205369676E696E67205075" \
	"626C6963204B6579010026000000000001002000010060A3C3B95C3C7CCD51EC536648D9B3AC74C4" \
	"83CA5B65385A251117BEB30712E50000020004000000000001000200"

#define PREAUTH_SS_REQ1 \
	"FE534D4240000100000000000100800000000000000000000200000000000000FFFE000000000000" \
	"00000000000000000000000000000000000000000000000019000001010000000000000058004A00" \
	"0000000000000000604806062B0601050502A03E303CA00E300C060A2B06010401823702020AA22A" \
	"04284E544C4D5353500001000000978208E200000000000000000000000000000000060380250000" \
	"000F"

#define PREAUTH_SS_RSP1 \
	"FE534D4240000100160000C00100010001000000000000000200000000000000FFFE000000000000" \
	"190000000010000000000000000000000000000000000000090000004800B300A181B03081ADA003" \
	"0A0101A10C060A2B06010401823702020AA281970481944E544C4D53535000020000000C000C0038" \
	"00000015828AE20D1D8BA31179D008000000000000000050005000440000000A0092270000000F53" \
	"005500540033003100310002000C0053005500540033003100310001000C00530055005400330031" \
	"00310004000C0053005500540033003100310003000C0053005500540033003100310007000800A1" \
	"A1F5ADCBAED00100000000"

#define PREAUTH_SS_REQ2 \
	"FE534D4240000100000000000100800000000000000000000300000000000000FFFE000000000000" \
	"1900000000100000000000000000000000000000000000001900000101000000000000005800CF01" \
	"0000000000000000A18201CB308201C7A0030A0101A28201AA048201A64E544C4D53535000030000" \
	"001800180090000000EE00EE00A80000000C000C00580000001A001A0064000000120012007E0000" \
	"001000100096010000158288E2060380250000000FECAC77A5F385A8BF9C38C706EEEDDCD3530055" \
	"005400330031003100610064006D0069006E006900730074007200610074006F0072004400520049" \
	"0056004500520033003100310000000000000000000000000000000000000000000000000063078E" \
	"B639FE03E20A231C3AE3BF23080101000000000000A1A1F5ADCBAED001BC4AD05F223CC90F000000" \
	"0002000C0053005500540033003100310001000C0053005500540033003100310004000C00530055" \
	"00540033003100310003000C0053005500540033003100310007000800A1A1F5ADCBAED001060004" \
	"00020000000800300030000000000000000000000000300000B61FEFCAA857EA57BF1EDCEBF8974B" \
	"8E0EBA5A6DFD9D07A31D11B548F8C9D0CC0A00100000000000000000000000000000000000090016" \
	"0063006900660073002F005300550054003300310031000000000000000000000000003B9BDFF38F" \
	"5EE8F9663F11A0F4C03A78A31204100100000063775A9A5FD97F0600000000"

#define MSG_SS_RSP2 \
	"FE534D4240000100000000000100800009000000000000000300000000000000FFFE000000000000" \
	"1900000000100000EBE146DA120BA25FC3376A49DFE31BC10900000048001D00A11B3019A0030A01" \
	"00A3120410010000003B453CDC3524164200000000"

#define MSG_BIND_REQ1 \
	"FE534D4240000100000000000100800008000000000000000200000000000000FFFE000000000000" \
	"190000000010000068BD0C58F613CE1334B1EB51C68D39EA19000101010000000000000058004A00" \
	"0000000000000000604806062B0601050502A03E303CA00E300C060A2B06010401823702020AA22A" \
	"04284E544C4D5353500001000000978208E200000000000000000000000000000000060380250000" \
	"000F"

#define MSG_BIND_RSP1 \
	"FE534D4240000100160000C00100010009000000000000000200000000000000FFFE000000000000" \
	"1900000000100000014A71CAE724995E612430E2BE87578C090000004800B300A181B03081ADA003" \
	"0A0101A10C060A2B06010401823702020AA281970481944E544C4D53535000020000000C000C0038" \
	"00000015828AE23823DA68E32D2FE1000000000000000050005000440000000A0092270000000F53" \
	"005500540033003100310002000C0053005500540033003100310001000C00530055005400330031" \
	"00310004000C0053005500540033003100310003000C005300550054003300310031000700080041" \
	"3B42AECBAED00100000000"

#define MSG_BIND_RSP2 \
	"FE534D4240000100000000000100800009000000000000000300000000000000FFFE000000000000" \
	"19000000001000008D604217FFBACF40635BF9D8729921500900000048001D00A11B3019A0030A01" \
	"00A312041001000000CFB046FC5D368E2200000000"
static void test_preauth_hash_chain(void **state)
{
	static const struct { const char *msg, *hash; } steps[] = {
		{ PREAUTH_NEG_REQ,
		  "DD94EFC5321BB618A2E208BA8920D2F422992526947A409B5037DE1E0FE8C736"
		  "2B8C47122594CDE0CE26AA9DFC8BCDBDE0621957672623351A7540F1E54A0426" },
		{ PREAUTH_NEG_RSP,
		  "324BFA92A4F3A190E466EBEA08D9C110DC88BFED758D9846ECC6F541CC1D02AE"
		  "3C94A79F36011E997E13F841B91B50957AD07B19C8E2539C0B23FDAE09D2C513" },
		{ PREAUTH_SS_REQ1,
		  "AC0B0F2B9986257700365E416D142A6EDC96DF03594A19E52A15F6BD0D041CD5"
		  "D432F8ED42C55E33197A50C9EC00F1462B50C592211B1471A04B56088FDFD5F9" },
		{ PREAUTH_SS_RSP1,
		  "2729E3440DFDDD839E37193F6E8F20C20CEFB3469E453A70CD980EEC06B88357"
		  "40A73760085633364C8989895ECE81BF102DEEB14D4B7D48AFA76901A7A38387" },
		{ PREAUTH_SS_REQ2,
		  "0DD13628CC3ED218EF9DF9772D436D0887AB9814BFAE63A80AA845F36909DB79"
		  "28622DDDAD522D9751640A459762C5A9D6BB084CBB3CE6BDADEF5D5BCE3C6C01" },
	};
	uint8_t hash[64];

	memset(hash, 0, sizeof(hash));
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		size_t len;
		uint8_t *msg = unhex(steps[i].msg, &len);

		assert_true(crypto_preauth_update(hash, msg, len));
		expect_hex(hash, 64, steps[i].hash);
		free(msg);
	}
}

static void expect_kdf(const char *key_hex, const char *label, size_t label_len,
		       const void *context, size_t context_len, const char *want_hex)
{
	uint8_t key[16], out[16];

	unhex_to(key_hex, key, 16);
	assert_true(crypto_kdf_sp800_108(key, 16, label, label_len, context, context_len, out, 16));
	expect_hex(out, 16, want_hex);
}

/* Label and context string literals with their terminating NUL, as MS-SMB2 3.1.4.2 spells them. */
#define Z(s) s, sizeof(s)

static void test_kdf_smb30(void **state)
{
	/* Same appendix, "Key derivation example for SMB 3.0 multichannel"; MS-SMB2 3.2.5.3.1
	 * labels (EncryptionKey/DecryptionKey are the client's). */
	static const char sk[] = "7CD451825D0450D235424E44BA6E78CC";

	expect_kdf(sk, Z("SMB2AESCMAC"), Z("SmbSign"), "0B7E9C5CAC36C0F6EA9AB275298CEDCE");
	expect_kdf(sk, Z("SMB2AESCCM"), Z("ServerIn "), "FAD27796665B313EBB578F388632B4F7");
	expect_kdf(sk, Z("SMB2AESCCM"), Z("ServerOut"), "B0F0427F7CEB416D1D9DCC0CD4F99447");
	expect_kdf(sk, Z("SMB2APP"), Z("SmbRpc"), "BB23A4575AA26C721AF525AF15A87B4F");
	/* Second channel: its own signing key from its own session key. */
	expect_kdf("4E01A2B313BCF660CC250BEF021AEDE6", Z("SMB2AESCMAC"), Z("SmbSign"),
		   "BA1A17DBBFEC349BCA105563D598952F");
}

static void test_kdf_smb311(void **state)
{
	static const char sk[] = "270E1BA896585EEB7AF3472D3B4C75A7";
	uint8_t preauth[64], preauth2[64];

	unhex_to("0DD13628CC3ED218EF9DF9772D436D0887AB9814BFAE63A80AA845F36909DB79"
		 "28622DDDAD522D9751640A459762C5A9D6BB084CBB3CE6BDADEF5D5BCE3C6C01", preauth, 64);
	expect_kdf(sk, Z("SMBSigningKey"), preauth, 64, "73FE7A9A77BEF0BDE49C650D8CCB5F76");
	expect_kdf(sk, Z("SMBC2SCipherKey"), preauth, 64, "629BCBC54422A0F572B97F45989B6073");
	expect_kdf(sk, Z("SMBS2CCipherKey"), preauth, 64, "E2AF0DCEFAC68DA71A0DFBD0D1350D74");
	expect_kdf(sk, Z("SMBAppKey"), preauth, 64, "6D7AD7954E9EC61E907B4D473DC178FF");

	/* Second channel (session binding): Channel.SigningKey from the binding's session key and
	 * the binding's own preauth hash. */
	unhex_to("EA3BF912B11CBFEC5B1889E8209614218687F82FA5294521AD3063425E49E88A"
		 "10BD022124CE25123BC9111F52D9566BA88BF46344E6063DC5E3FF0389026F6C", preauth2, 64);
	expect_kdf("84B9DBB730116A8FA6E9889555C265F9", Z("SMBSigningKey"), preauth2, 64,
		   "C962BCA1A9DD1697B030644199705431");
}

static void test_kdf_lengths(void **state)
{
	uint8_t key[16], out16[16], out32[33];

	memset(key, 0x42, sizeof(key));
	/* L is part of the input, so a 16-byte key is not the first half of a 32-byte one. */
	assert_true(crypto_kdf_sp800_108(key, 16, Z("SMBC2SCipherKey"), "ctx", 3, out16, 16));
	assert_true(crypto_kdf_sp800_108(key, 16, Z("SMBC2SCipherKey"), "ctx", 3, out32, 32));
	assert_false(crypto_equal(out16, out32, 16));
	/* One block only: nothing, or more than 32 bytes, is refused. */
	assert_false(crypto_kdf_sp800_108(key, 16, Z("x"), "", 0, out32, 0));
	assert_false(crypto_kdf_sp800_108(key, 16, Z("x"), "", 0, out32, 33));
}

/* ---- SMB2 signing ---- */

static void expect_published_signature(const char *msg_hex, const char *key_hex)
{
	uint8_t key[16], sig[16], before[1024];
	size_t len;
	uint8_t *msg = unhex(msg_hex, &len);

	assert_true(len <= sizeof(before));
	memcpy(before, msg, len);
	unhex_to(key_hex, key, 16);
	assert_true(smb2_sign_verify(SMB2_SIGN_AES_CMAC, key, msg, len));
	assert_true(smb2_sign_compute(SMB2_SIGN_AES_CMAC, key, msg, len, sig));
	assert_memory_equal(sig, msg + 48, 16);
	assert_memory_equal(msg, before, len);  /* the signature field was not zeroed in place */
	free(msg);
}

static void test_sign_cmac_published(void **state)
{
	/* 3.1.1 without SIGNING_CAPABILITIES signs with AES-128-CMAC. The final SESSION_SETUP
	 * response of the first channel is signed with the session's SigningKey. */
	expect_published_signature(MSG_SS_RSP2, "73FE7A9A77BEF0BDE49C650D8CCB5F76");
	/* The binding SESSION_SETUP request and the interim response on the second channel use the
	 * existing Session.SigningKey; the final response uses the new Channel.SigningKey. */
	expect_published_signature(MSG_BIND_REQ1, "73FE7A9A77BEF0BDE49C650D8CCB5F76");
	expect_published_signature(MSG_BIND_RSP1, "73FE7A9A77BEF0BDE49C650D8CCB5F76");
	expect_published_signature(MSG_BIND_RSP2, "C962BCA1A9DD1697B030644199705431");
}

#define TEST_MSG_LEN 120

/* A READ-request-shaped message: header, then a body of counting bytes. */
static void build_message(uint8_t msg[TEST_MSG_LEN], uint16_t command, uint32_t flags,
			  uint64_t message_id)
{
	static const uint8_t protocol_id[4] = { 0xFE, 'S', 'M', 'B' };

	memset(msg, 0, TEST_MSG_LEN);
	memcpy(msg, protocol_id, 4);
	msg[4] = 64;                                    /* StructureSize */
	msg[12] = (uint8_t)command;
	msg[13] = (uint8_t)(command >> 8);
	for (int i = 0; i < 4; i++)
		msg[16 + i] = (uint8_t)(flags >> (8 * i));
	for (int i = 0; i < 8; i++) {
		msg[24 + i] = (uint8_t)(message_id >> (8 * i));
		msg[40 + i] = (uint8_t)(0x1122334455667788ull >> (8 * i));  /* SessionId */
	}
	for (int i = 64; i < TEST_MSG_LEN; i++)
		msg[i] = (uint8_t)i;
}

static const enum smb2_sign_alg all_algs[3] = {
	SMB2_SIGN_HMAC_SHA256, SMB2_SIGN_AES_CMAC, SMB2_SIGN_AES_GMAC,
};

static void test_sign_roundtrip_and_tamper(void **state)
{
	uint8_t key[16], msg[TEST_MSG_LEN];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)(0xA0 + i);
	for (size_t a = 0; a < 3; a++) {
		enum smb2_sign_alg alg = all_algs[a];

		build_message(msg, 0x0008, 0x00000008, 42);
		/* Sign in place, as the sender does. */
		assert_true(smb2_sign_compute(alg, key, msg, sizeof(msg), msg + 48));
		assert_true(smb2_sign_verify(alg, key, msg, sizeof(msg)));

		/* Any flipped bit, in the header, the signature or the body, breaks it. */
		static const size_t offsets[] = { 0, 12, 16, 24, 47, 48, 63, 64, TEST_MSG_LEN - 1 };
		for (size_t o = 0; o < sizeof(offsets) / sizeof(offsets[0]); o++) {
			msg[offsets[o]] ^= 0x01;
			assert_false(smb2_sign_verify(alg, key, msg, sizeof(msg)));
			msg[offsets[o]] ^= 0x01;
		}
		assert_true(smb2_sign_verify(alg, key, msg, sizeof(msg)));

		/* A wrong key, a truncated message or another algorithm fail too. */
		key[5] ^= 0x80;
		assert_false(smb2_sign_verify(alg, key, msg, sizeof(msg)));
		key[5] ^= 0x80;
		assert_false(smb2_sign_verify(alg, key, msg, sizeof(msg) - 1));
		assert_false(smb2_sign_verify(all_algs[(a + 1) % 3], key, msg, sizeof(msg)));
	}
}

static void test_sign_ignores_signature_field(void **state)
{
	uint8_t key[16], msg[TEST_MSG_LEN], copy[TEST_MSG_LEN], sig_zero[16], sig_junk[16];

	memset(key, 0x5a, sizeof(key));
	for (size_t a = 0; a < 3; a++) {
		build_message(msg, 0x0005, 0x00000001, 7);
		assert_true(smb2_sign_compute(all_algs[a], key, msg, sizeof(msg), sig_zero));
		memset(msg + 48, 0xEE, 16);
		memcpy(copy, msg, sizeof(msg));
		assert_true(smb2_sign_compute(all_algs[a], key, msg, sizeof(msg), sig_junk));
		assert_memory_equal(sig_zero, sig_junk, 16);
		assert_memory_equal(msg, copy, sizeof(msg));
	}
}

static void test_sign_hmac_is_truncated_hmac_sha256(void **state)
{
	/* 2.0.2 / 2.1: the first 16 bytes of HMAC-SHA256 over the message with a zero signature,
	 * computed here through OpenSSL's default context, apart from Skiff's code. */
	uint8_t key[16], msg[TEST_MSG_LEN], full[32], sig[16];
	size_t full_len = 0;

	memset(key, 0x33, sizeof(key));
	build_message(msg, 0x0003, 0x00000008, 3);
	memset(msg + 48, 0xEE, 16);
	assert_true(smb2_sign_compute(SMB2_SIGN_HMAC_SHA256, key, msg, sizeof(msg), sig));
	memset(msg + 48, 0, 16);
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, sizeof(key), msg,
				  sizeof(msg), full, sizeof(full), &full_len));
	assert_int_equal(full_len, 32);
	assert_memory_equal(sig, full, 16);
}

/* AES-128-GCM over no plaintext with msg as AAD, through EVP_CIPHER in the default context. */
static void gcm_tag(const uint8_t key[16], const uint8_t nonce[12], const uint8_t *aad,
		    size_t aad_len, uint8_t tag[16])
{
	EVP_CIPHER *gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t unused[16];
	int outl = 0;

	assert_non_null(gcm);
	assert_non_null(ctx);
	assert_int_equal(EVP_EncryptInit_ex2(ctx, gcm, key, nonce, NULL), 1);  /* 12-byte IV */
	assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &outl, aad, (int)aad_len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(ctx, unused, &outl), 1);
	assert_int_equal(outl, 0);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag), 1);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(gcm);
}

static void test_sign_gmac_matches_independent_gcm(void **state)
{
	/*
	 * MS-SMB2 3.1.4.1 nonce: MessageId (8 bytes, little-endian as on the wire), then 4 bytes
	 * whose least significant bit is 1 for the server and whose next bit is 1 for CANCEL.
	 */
	static const struct {
		uint16_t command;
		uint32_t flags;
		uint64_t message_id;
		uint32_t nonce_bits;
	} v[] = {
		{ 0x0008, 0x00000008, 0x0000000000000005ull, 0 },  /* client READ */
		{ 0x0008, 0x00000009, 0x0102030405060708ull, 1 },  /* server READ response */
		{ 0x000C, 0x0000000A, 0x00000000000000FFull, 2 },  /* client async CANCEL */
		{ 0x000C, 0x00000009, 0x0000000000000010ull, 3 },  /* CANCEL sent by a server */
	};
	uint8_t key[16], msg[TEST_MSG_LEN], zeroed[TEST_MSG_LEN], nonce[12], want[16], got[16];
	uint8_t sigs[4][16];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)(i * 17);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		build_message(msg, v[i].command, v[i].flags, v[i].message_id);
		memset(msg + 48, 0xC3, 16);  /* junk where the signature goes */
		memcpy(zeroed, msg, sizeof(msg));
		memset(zeroed + 48, 0, 16);
		for (int b = 0; b < 8; b++)
			nonce[b] = (uint8_t)(v[i].message_id >> (8 * b));
		nonce[8] = (uint8_t)v[i].nonce_bits;
		nonce[9] = nonce[10] = nonce[11] = 0;
		gcm_tag(key, nonce, zeroed, sizeof(zeroed), want);

		assert_true(smb2_sign_compute(SMB2_SIGN_AES_GMAC, key, msg, sizeof(msg), got));
		assert_memory_equal(got, want, 16);
		memcpy(sigs[i], got, 16);
		memcpy(msg + 48, got, 16);
		assert_true(smb2_sign_verify(SMB2_SIGN_AES_GMAC, key, msg, sizeof(msg)));
	}
	/* The role bit alone changes the signature: same command, message id and body, but sent by
	 * the server instead of the client. */
	build_message(msg, 0x0008, 0x00000008, 5);
	msg[16] |= 0x01;
	assert_true(smb2_sign_compute(SMB2_SIGN_AES_GMAC, key, msg, sizeof(msg), got));
	assert_false(crypto_equal(got, sigs[0], 16));
}

static void test_sign_rejects_bad_input(void **state)
{
	uint8_t key[16] = { 0 }, msg[TEST_MSG_LEN], sig[16];

	build_message(msg, 0x0008, 0, 1);
	for (size_t a = 0; a < 3; a++) {
		memset(sig, 0xff, sizeof(sig));
		assert_false(smb2_sign_compute(all_algs[a], key, msg, 63, sig));
		for (int i = 0; i < 16; i++)
			assert_int_equal(sig[i], 0);
		assert_false(smb2_sign_verify(all_algs[a], key, msg, 63));
		assert_false(smb2_sign_verify(all_algs[a], key, NULL, 0));
		assert_false(smb2_sign_compute(all_algs[a], NULL, msg, sizeof(msg), sig));
	}
	/* Header only is a valid message; an unknown algorithm is not. */
	assert_true(smb2_sign_compute(SMB2_SIGN_AES_CMAC, key, msg, 64, sig));
	assert_false(smb2_sign_compute((enum smb2_sign_alg)3, key, msg, sizeof(msg), sig));
	assert_false(smb2_sign_verify((enum smb2_sign_alg)3, key, msg, sizeof(msg)));
}

/* ---- utilities, lifecycle, threads ---- */

static void test_equal_random_wipe(void **state)
{
	uint8_t a[32], b[32];

	assert_true(crypto_equal("abc", "abc", 3));
	assert_false(crypto_equal("abc", "abd", 3));
	assert_true(crypto_equal("x", "y", 0));

	assert_true(crypto_random(a, sizeof(a)));
	assert_true(crypto_random(b, sizeof(b)));
	assert_false(crypto_equal(a, b, sizeof(a)));  /* 2^-256 chance of a false failure */
	assert_true(crypto_random(NULL, 0));

	uint8_t *secret = malloc(16);
	assert_non_null(secret);
	memset(secret, 0x77, 16);
	crypto_wipe(secret, 16);  /* wiped and freed; ASan/valgrind would flag a leak otherwise */
	crypto_wipe(NULL, 16);
}

static void test_lifecycle_private_context(void **state)
{
	uint8_t out[16];
	int legacy_before;

	/* Shut down, nothing works; the process-wide context never gets the legacy provider. */
	crypto_shutdown();
	assert_false(crypto_md4("abc", 3, out));
	assert_false(crypto_aes128_cmac(out, NULL, 0, out));
	legacy_before = OSSL_PROVIDER_available(NULL, "legacy");
	assert_true(crypto_init());
	assert_true(crypto_init());  /* idempotent */
	assert_int_equal(OSSL_PROVIDER_available(NULL, "legacy"), legacy_before);
	assert_true(crypto_md4("abc", 3, out));
	expect_hex(out, 16, "a448017aaf21d8525fc10ae87aa6729d");
}

#define THREADS 4
#define ROUNDS  300

struct thread_job {
	uint8_t expected[3][16];  /* signature of the shared message per algorithm */
	uint8_t expected_md4[16];
	uint8_t expected_kdf[16];
	const uint8_t *key;
	const uint8_t *msg;
	int failures;
};

static void *thread_main(void *arg)
{
	struct thread_job *job = arg;
	uint8_t sig[16], md[16], k[16];

	for (int r = 0; r < ROUNDS; r++) {
		for (size_t a = 0; a < 3; a++) {
			if (!smb2_sign_compute(all_algs[a], job->key, job->msg, TEST_MSG_LEN, sig) ||
			    memcmp(sig, job->expected[a], 16) != 0)
				job->failures++;
		}
		if (!crypto_md4(job->msg, TEST_MSG_LEN, md) || memcmp(md, job->expected_md4, 16) != 0)
			job->failures++;
		if (!crypto_kdf_sp800_108(job->key, 16, Z("SMBSigningKey"), job->msg, 64, k, 16) ||
		    memcmp(k, job->expected_kdf, 16) != 0)
			job->failures++;
	}
	return NULL;
}

static void test_threads_share_algorithms(void **state)
{
	uint8_t key[16], msg[TEST_MSG_LEN];
	struct thread_job jobs[THREADS];
	pthread_t tids[THREADS];

	memset(key, 0x19, sizeof(key));
	build_message(msg, 0x0009, 0x00000008, 99);
	memset(&jobs[0], 0, sizeof(jobs[0]));
	for (size_t a = 0; a < 3; a++)
		assert_true(smb2_sign_compute(all_algs[a], key, msg, sizeof(msg), jobs[0].expected[a]));
	assert_true(crypto_md4(msg, sizeof(msg), jobs[0].expected_md4));
	assert_true(crypto_kdf_sp800_108(key, 16, Z("SMBSigningKey"), msg, 64,
					 jobs[0].expected_kdf, 16));
	jobs[0].key = key;
	jobs[0].msg = msg;
	for (int t = 1; t < THREADS; t++)
		jobs[t] = jobs[0];
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&tids[t], NULL, thread_main, &jobs[t]), 0);
	for (int t = 0; t < THREADS; t++) {
		assert_int_equal(pthread_join(tids[t], NULL), 0);
		assert_int_equal(jobs[t].failures, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md4_rfc1320),
		cmocka_unit_test(test_md5_rfc1321),
		cmocka_unit_test(test_sha2_fips180),
		cmocka_unit_test(test_hmac_md5_rfc2202),
		cmocka_unit_test(test_hmac_sha256_rfc4231),
		cmocka_unit_test(test_aes128_cmac_rfc4493),
		cmocka_unit_test(test_aes128_gmac_published),
		cmocka_unit_test(test_cached_mac_contexts_rekey),
		cmocka_unit_test(test_rc4_rfc6229),
		cmocka_unit_test(test_ntlmv2_ms_nlmp_4_2_4),
		cmocka_unit_test(test_preauth_hash_chain),
		cmocka_unit_test(test_kdf_smb30),
		cmocka_unit_test(test_kdf_smb311),
		cmocka_unit_test(test_kdf_lengths),
		cmocka_unit_test(test_sign_cmac_published),
		cmocka_unit_test(test_sign_roundtrip_and_tamper),
		cmocka_unit_test(test_sign_ignores_signature_field),
		cmocka_unit_test(test_sign_hmac_is_truncated_hmac_sha256),
		cmocka_unit_test(test_sign_gmac_matches_independent_gcm),
		cmocka_unit_test(test_sign_rejects_bad_input),
		cmocka_unit_test(test_equal_random_wipe),
		cmocka_unit_test(test_lifecycle_private_context),
		cmocka_unit_test(test_threads_share_algorithms),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
