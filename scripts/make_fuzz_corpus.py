#!/usr/bin/env python3
"""Writes the committed seed corpora under Fuzz/Corpus/<target>/ from real inputs.

Usage: python3 scripts/make_fuzz_corpus.py   (from the repository root; rewrites the seeds)

Seeds are small real inputs: golden request rows, the shipped model files and manifests,
real HTTP requests. Body targets take a first "selector" byte (see each target's doc comment):
for csv and json_records its low two bits pick the schema (0 real-estate, 1 churn, 2 a made-up
schema with required text, 3 a 70-column one); csv bit pattern 0x1C also compares whole-body
and chunked decoding; json_records bit 0x04 means JSON Lines. model_directory's selector picks
the file the rest replaces (0 real-estate manifest.json, 1 real-estate model.json, 2 churn
manifest.json, 3 churn-ensemble.json, 4 churn-pipeline.json, 5 churn-transform.json,
6 churn-logreg.json, 7 churn-rf.json, 8 model.json in a directory without a manifest).
http's selector: the low three bits pick the socket read size (1, 2, 3, 7, 16, 64, 512 bytes or
all at once), 0x08 makes the client close after sending, 0x10 asks the server to drain.
media_types seeds are header values separated by line ends (Content-Type, Accept, custom
attributes), written by hand.
"""
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "Tests/ModelRuntimesTests/Fixtures/golden"
MODELS = ROOT / "model-artifacts"
XGB_FIXTURES = ROOT / "Tests/ModelRuntimesTests/Fixtures/xgboost"
CORPUS = ROOT / "Fuzz/Corpus"


def churn_rows(count, start=1):
    lines = (GOLDEN / "churn-requests.csv").read_text().splitlines()[start:start + count]
    return "\n".join(lines) + "\n"


def real_estate_distances(count):
    lines = (GOLDEN / "real-estate.csv").read_text().splitlines()[1:count + 1]
    return [line.split(",")[1] for line in lines]


def write(target, name, data):
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def seeds_csv():
    distances = real_estate_distances(20)
    write("csv", "real-estate-one", b"\x00" + distances[0].encode())
    write("csv", "real-estate-batch", b"\x00" + "\n".join(distances).encode() + b"\n")
    write("csv", "real-estate-crlf-bom", b"\x00\xef\xbb\xbf150\r\n1000\r\n")
    write("csv", "churn-one", b"\x01" + churn_rows(1).encode())
    write("csv", "churn-batch", b"\x01" + churn_rows(10).encode())
    write("csv", "churn-quoted-missing", b'\x01"AK",55,,"312-6133",yes,no,0,129.1,157,222.12,228.5,83,19.42,208.8,111,9.4,12.7,6,3.43,\n')
    write("csv", "churn-chunked", b"\x1d" + churn_rows(5, start=20).encode())
    write("csv", "echo-quotes", b'\x02AK, 55 ,x,1\r\n"W,Y","1""",y,2\n , ,,3\n"",3,z,4')
    write("csv", "echo-chunked", b"\x1eAK,1,x,2\nNY,,y,3.5e2\n")
    write("csv", "wide", b"\x03" + ",".join(str(i) if i % 7 != 3 else "t%d" % i for i in range(70)).encode() + b"\n")
    write("csv", "bad-number", b"\x00150\nabc\n")
    write("csv", "bad-utf8", b"\x0015\xff0\n")


def seeds_json_records():
    records = [json.loads(line)["request"] for line in (GOLDEN / "real-estate.jsonl").read_text().splitlines()[:5]]
    write("json_records", "real-estate-object", b"\x00" + json.dumps(records[0]).encode())
    write("json_records", "real-estate-list", b"\x00" + json.dumps(records).encode())
    write("json_records", "real-estate-instances", b"\x00" + json.dumps({"instances": records}).encode())
    write("json_records", "real-estate-features", b"\x00" + b'{"features": [150]}')
    write("json_records", "real-estate-lines", b"\x04" + "\n".join(json.dumps(r) for r in records).encode() + b"\n")
    header = (GOLDEN / "churn-requests.csv").read_text().splitlines()[0].split(",")
    churn = []
    for line in churn_rows(3).splitlines():
        values = [float(v) if v.replace(".", "", 1).isdigit() else v for v in line.split(",")]
        churn.append(dict(zip(header, values)))
    write("json_records", "churn-objects", b"\x01" + json.dumps(churn).encode())
    write("json_records", "churn-arrays", b"\x01" + json.dumps([list(r.values()) for r in churn]).encode())
    write("json_records", "churn-lines", b"\x05" + "\n".join(json.dumps(r) for r in churn).encode())
    write("json_records", "echo-escapes", b'\x02[{"state": "A\\"\\u00e9\\ud83d\\ude00", "calls": 2.50, "phone": {"n": [1, true, null]}, "minutes": -0.0e+1}]')
    write("json_records", "wide-array", b"\x03[[" + ",".join(str(i) if i % 7 != 3 else '"t%d"' % i for i in range(70)).encode() + b"]]")


def seeds_xgboost_model():
    for name in ["binary-logistic", "reg-logistic", "multi-softprob-categorical", "multi-softmax-scalar-base",
                 "refused-dart", "refused-gblinear"]:
        shutil.copy(XGB_FIXTURES / f"{name}.json", CORPUS / "xgboost_model" / f"{name}.json")
    shutil.copy(ROOT / "Fuzz/Models/churn-xgb-3-trees.json", CORPUS / "xgboost_model" / "churn-xgb-3-trees.json")


def seeds_model_directory():
    files = ["real-estate/manifest.json", "real-estate/model.json", "churn/manifest.json", "churn/churn-ensemble.json",
             "churn/churn-pipeline.json", "churn/churn-transform.json", "churn/churn-logreg.json", "churn/churn-rf.json"]
    for selector, path in enumerate(files):
        write("model_directory", path.replace("/", "-"), bytes([selector]) + (MODELS / path).read_bytes())
    write("model_directory", "no-manifest-xgboost", b"\x08" + (ROOT / "Fuzz/Models/churn-xgb-3-trees.json").read_bytes())


def http_request(method, path, body=b"", headers=(), version="HTTP/1.1"):
    lines = [f"{method} {path} {version}", "Host: localhost:8080"] + list(headers)
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def seeds_http():
    distances = real_estate_distances(3)
    json_body = json.dumps([{"distance": float(d)} for d in distances]).encode()
    csv_body = ("\n".join(distances) + "\n").encode()
    write("http", "ping-then-invocation", b"\x07" + http_request("GET", "/ping") + http_request(
        "POST", "/invocations", json_body, ["Content-Type: application/json", "Accept: text/csv"]))
    write("http", "csv-in-small-reads", b"\x02" + http_request("POST", "/invocations", csv_body, ["Content-Type: text/csv"]))
    write("http", "runtime-path-attributes", b"\x05" + http_request(
        "POST", "/endpoints/local/invocations", b'{"distance": 150}',
        ["Content-Type: application/json", "X-Amzn-SageMaker-Custom-Attributes: output=probability"]))
    chunked = b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n150\n\r\n5\r\n1000\n\r\n0\r\n\r\n"
    write("http", "chunked", b"\x04" + chunked)
    write("http", "expect-continue", b"\x06" + http_request("POST", "/invocations", csv_body, ["Content-Type: text/csv", "Expect: 100-continue"]))
    write("http", "http10", b"\x07" + http_request("GET", "/execution-parameters", version="HTTP/1.0")
          + http_request("POST", "/invocations", csv_body, ["Content-Type: text/csv", "Connection: keep-alive"], version="HTTP/1.0"))
    write("http", "head-ping-drain", b"\x17" + http_request("HEAD", "/ping") + http_request("GET", "/ping"))
    write("http", "too-large-then-close", b"\x0f" + http_request("POST", "/invocations", b"", ["Content-Length: 99999999"]))
    write("http", "partial-body", b"\x03" + b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n150")
    write("http", "bad-request-line", b"\x07" + b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\nNOT HTTP\r\n\r\n")


if __name__ == "__main__":
    # Inputs the fuzzers found (finding-N-*, see RELIABILITY.md) stay: they are regression seeds.
    for target in ["csv", "json_records", "xgboost_model", "model_directory", "http"]:
        (CORPUS / target).mkdir(parents=True, exist_ok=True)
        for seed in (CORPUS / target).iterdir():
            if not seed.name.startswith("finding-"):
                seed.unlink()
    seeds_csv()
    seeds_json_records()
    seeds_xgboost_model()
    seeds_model_directory()
    seeds_http()
