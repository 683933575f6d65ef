#!/usr/bin/env python3
"""Writes the seed corpus under fuzz/corpus/ (committed; rerun only to change it).

Seeds are real traffic from the reference transcripts (§20): V2 commands,
IDENTIFY bodies, and the snappy and deflate streams nsqd and its clients send.
Stream targets take one leading "plan" byte that chooses how the rest is split
into reads (see fuzz/chunking.hpp); seeds use a few plans each.
"""
import os
import struct
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def snappy_chunk(kind, body):
    return bytes([kind]) + struct.pack("<I", len(body))[:3] + body


def snappy_data(data, block=None):
    # block: a raw snappy block for a compressed chunk, else stored uncompressed
    if block is None:
        return snappy_chunk(0x01, struct.pack("<I", masked(data)) + data)
    return snappy_chunk(0x00, struct.pack("<I", masked(data)) + block)


def sized(body):
    return struct.pack(">I", len(body)) + body


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


OK = b"\x00\x00\x00\x06\x00\x00\x00\x00OK"
IDENTIFY_CONSUMER = b'{"client_id":"cid","hostname":"hn","user_agent":"probe/1","feature_negotiation":true}'
IDENTIFY_DEFLATE = b'{"feature_negotiation":true,"deflate":true,"deflate_level":9}'
IDENTIFY_SNAPPY = b'{"feature_negotiation":true,"snappy":true}'
IDENTIFY_FULL = (b'{"client_id":"c","hostname":"h","user_agent":"go-nsq/1.1.0","feature_negotiation":true,'
                 b'"heartbeat_interval":30000,"output_buffer_size":16384,"output_buffer_timeout":250,'
                 b'"tls_v1":false,"snappy":false,"deflate":false,"deflate_level":6,"sample_rate":0,'
                 b'"msg_timeout":60000,"short_id":"c","long_id":"h"}')

MAGIC = b"  V2"
producer = (MAGIC + b"PUB test\n" + sized(b"hello")
            + b"MPUB test\n" + sized(struct.pack(">I", 2) + sized(b"abc") + sized(b"de"))
            + b"DPUB test 1500\n" + sized(b"deferred")
            + b"PUB bad!topic\n" + sized(b"x"))
consumer = (MAGIC + b"IDENTIFY\n" + sized(IDENTIFY_CONSUMER) + b"SUB test ch1\n" + b"RDY 10\n"
            + b"FIN 0123456789abcdef\n" + b"REQ 18a8d3bc74807000 0\n" + b"TOUCH 18a8d3bc74807000\n"
            + b"NOP\n" + b"CLS\n")
auth = MAGIC + b"AUTH\n" + sized(b"good") + b"SUB authx ch\r\n" + b"PUB authx\n" + sized(b"m")
edge = (MAGIC + b"RDY\n" + b"RDY 2500\n" + b"FIN  junk\n" + b"nop\n" + b"MPUB t\n" + b"\xff\xff\xff\xff")
for plan in (0, 1, 0x87, 0x0b):
    write("fuzz_command_parser", "producer_%02x" % plan, bytes([plan]) + producer)
write("fuzz_command_parser", "consumer_00", b"\x00" + consumer)
write("fuzz_command_parser", "consumer_03", b"\x03" + consumer)
write("fuzz_command_parser", "auth_00", b"\x00" + auth)
write("fuzz_command_parser", "edge_85", b"\x85" + edge)
write("fuzz_command_parser", "bad_magic_00", b"\x00  V1PING\n")
write("fuzz_command_parser", "empty_line_00", b"\x00" + MAGIC + b"\n")

for name, body in (("consumer", IDENTIFY_CONSUMER), ("deflate", IDENTIFY_DEFLATE),
                   ("snappy", IDENTIFY_SNAPPY), ("full", IDENTIFY_FULL),
                   ("unbuffered", b'{"output_buffer_size":-1,"heartbeat_interval":-1,"output_buffer_timeout":-1}'),
                   ("invalid", b'{"heartbeat_interval":999,"sample_rate":100}'),
                   ("null", b"null"), ("wrong_type", b'{"snappy":"yes"}')):
    write("fuzz_identify", name, body)

ident = b"\xff\x06\x00\x00sNaPpY"
pub = b"PUB snt\n" + sized(b"abc")
# "abcabcabcabc": literal "abc" then a 9-byte copy at offset 3
abc_block = bytes([12, 0x08]) + b"abc" + bytes([0x01 | (9 - 4) << 2, 3])
snappy_seeds = {
    "ok": ident + snappy_data(OK),
    "client_pub": ident + snappy_data(pub) + snappy_data(OK),
    "compressed": ident + snappy_data(b"abcabcabcabc", abc_block),
    "skippable": ident + snappy_chunk(0xFE, b"\x00" * 8) + snappy_chunk(0x80, b"x") + snappy_data(b"z"),
    "reserved": ident + snappy_chunk(0x02, b""),
}
for name, data in snappy_seeds.items():
    write("fuzz_snappy_decoder", name + "_00", b"\x00" + data)
    write("fuzz_snappy_decoder", name + "_03", b"\x03" + data)


def raw_deflate(*parts, level=6):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return b"".join(c.compress(p) + c.flush(zlib.Z_SYNC_FLUSH) for p in parts)


deflate_seeds = {
    "observed_ok": bytes.fromhex("6260606063606060f0f706000000ffff")
    + bytes.fromhex("42b000000000ffff"),
    "client_pub": raw_deflate(b"PUB deft\n" + sized(b"abc"), b"NOP\n"),
    "zeros": raw_deflate(b"\x00" * 100000, level=9),
    "final_block": b"\x01\x02\x00\xfd\xffhi",
}
for name, data in deflate_seeds.items():
    write("fuzz_deflate_decoder", name + "_00", b"\x00" + data)
    write("fuzz_deflate_decoder", name + "_04", b"\x04" + data)
