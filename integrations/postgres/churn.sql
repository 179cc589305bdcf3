-- Swerve from PostgreSQL: Aurora ML's aws_sagemaker.invoke_endpoint on a stock PostgreSQL 15,
-- the churn scenario's predict_churn(), the churn_inserts table with its BEFORE INSERT trigger,
-- and a batch path that scores a whole table in requests of up to 10,000 rows.
--
-- Install into a database (PostgreSQL 15 with PL/Python, Debian: postgresql-plpython3-15):
--     psql -v swerve_url=http://HOST:PORT -f integrations/postgres/churn.sql
-- Running it again replaces the functions and re-points the endpoint; it keeps the data.
-- See integrations/postgres/README.md for what differs from Aurora and why.

\set ON_ERROR_STOP on
\if :{?swerve_url}
\else
\echo 'usage: psql -v swerve_url=http://HOST:PORT -f integrations/postgres/churn.sql'
DO $$ BEGIN RAISE EXCEPTION 'churn.sql needs the Swerve URL: psql -v swerve_url=http://HOST:PORT -f integrations/postgres/churn.sql'; END $$;
\endif

SET client_min_messages = warning;
BEGIN;

CREATE EXTENSION IF NOT EXISTS plpython3u;
CREATE SCHEMA IF NOT EXISTS aws_sagemaker;

-- Endpoint name -> URL. Aurora resolves a SageMaker endpoint name through the AWS API; here the
-- name resolves through this table. An URL without a path is posted to /invocations.
CREATE TABLE IF NOT EXISTS aws_sagemaker.endpoints (
    endpoint_name      text PRIMARY KEY,
    url                text NOT NULL CHECK (url ~ '^http://[^/:]+(:[0-9]+)?(/.*)?$'),
    connect_timeout_ms integer NOT NULL DEFAULT 1000 CHECK (connect_timeout_ms > 0),
    request_timeout_ms integer NOT NULL DEFAULT 10000 CHECK (request_timeout_ms > 0),
    -- rows per request when the caller passes max_rows_per_batch NULL
    max_rows_per_batch integer NOT NULL DEFAULT 10000 CHECK (max_rows_per_batch BETWEEN 1 AND 10000),
    -- sent as X-Amzn-SageMaker-Custom-Attributes when not NULL (SageMaker's CustomAttributes)
    custom_attributes  text
);
COMMENT ON TABLE aws_sagemaker.endpoints IS
    'Endpoint names used by aws_sagemaker.invoke_endpoint, and the Swerve (or SageMaker-compatible) URL each one means';

INSERT INTO aws_sagemaker.endpoints (endpoint_name, url) VALUES ('churn', :'swerve_url')
ON CONFLICT (endpoint_name) DO UPDATE SET url = EXCLUDED.url;

-- The session's HTTP client, kept in PL/Python's GD (one per database session): keep-alive
-- connections per host and port, CSV encoding, request splitting, error reporting. Every other
-- function here asks for it with aws_sagemaker._client().
CREATE OR REPLACE FUNCTION aws_sagemaker._client() RETURNS void
LANGUAGE plpython3u AS $python$
import json
import re
import socket
import time

VERSION = 3
if GD.get("aws_sagemaker_client_version") == VERSION:
    return None

HARD_MAX_ROWS = 10000
NEEDS_QUOTES = re.compile(r'[",\r\n]|^[ \t]|[ \t]$')
LINE_NEEDS_QUOTES = re.compile(r'["\r\n]|(?:^|,)[ \t]|[ \t](?:,|$)')
SWERVE_ROW = re.compile(r"^row (\d+)\b")
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.I)
CHUNKED = re.compile(rb"\r\ntransfer-encoding:[ \t]*chunked", re.I)
CLOSE = re.compile(rb"\r\nconnection:[ \t]*close", re.I)
JSON_TYPE = re.compile(rb"\r\ncontent-type:[ \t]*application/json", re.I)


def csv_field(value):
    """One CSV field: NULL is an empty field; commas, quotes, line ends and edge blanks are quoted."""
    if value is None:
        return ""
    if NEEDS_QUOTES.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_row(fields):
    """One CSV line; the whole line is checked first, since almost no row needs quoting."""
    line = ",".join(["" if value is None else value for value in fields])
    if line.count(",") == len(fields) - 1 and not LINE_NEEDS_QUOTES.search(line):
        return line
    return ",".join([csv_field(value) for value in fields])


class Endpoint(object):
    """A row of aws_sagemaker.endpoints, with its URL taken apart and its request head built."""

    def __init__(self, name, row):
        self.name = name
        rest = row["url"][len("http://"):]
        slash = rest.find("/")
        authority, path = (rest, "/invocations") if slash < 0 else (rest[:slash], rest[slash:])
        if path == "/":
            path = "/invocations"
        host, _, port = authority.partition(":")
        self.host = host
        self.port = int(port) if port else 80
        self.key = (self.host, self.port)
        self.described = 'endpoint "%s" (POST http://%s%s)' % (name, authority, path)
        self.connect_timeout = row["connect_timeout_ms"] / 1000.0
        self.request_timeout = row["request_timeout_ms"] / 1000.0
        self.max_rows = row["max_rows_per_batch"]
        head = "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: text/csv\r\nAccept: text/csv\r\n" % (path, authority)
        if row["custom_attributes"] is not None:
            head += "X-Amzn-SageMaker-Custom-Attributes: %s\r\n" % row["custom_attributes"]
        self.head = head.encode("latin-1") + b"Content-Length: "


class EndpointFailure(Exception):
    """A request that got no usable answer (no connection, a timeout, a broken answer)."""

    def __init__(self, message):
        Exception.__init__(self, message)
        self.message = message


class Connection(object):
    """One keep-alive HTTP/1.1 connection. A request has request_timeout seconds in total."""

    def __init__(self, endpoint):
        try:
            self.sock = socket.create_connection((endpoint.host, endpoint.port), timeout=endpoint.connect_timeout)
        except socket.timeout:
            raise EndpointFailure("no connection within %g ms (connect timeout), no HTTP status" % (endpoint.connect_timeout * 1000))
        except OSError as error:
            raise EndpointFailure("cannot connect (%s), no HTTP status" % (error.strerror or error))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.keep_alive = True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def exchange(self, endpoint, body):
        """Sends one request; returns (status, head, payload). Raises ConnectionError when the
        connection turns out to be closed before any byte of the answer arrived."""
        deadline = time.monotonic() + endpoint.request_timeout
        sock = self.sock
        sock.settimeout(endpoint.request_timeout)
        sock.sendall(b"%s%d\r\n\r\n%s" % (endpoint.head, len(body), body))
        buffer = sock.recv(262144)
        if not buffer:
            raise ConnectionResetError("closed before the answer")
        end = buffer.find(b"\r\n\r\n")
        while end < 0:
            buffer += self._receive(deadline, "the answer's headers")
            end = buffer.find(b"\r\n\r\n")
        head = buffer[:end]
        if not head.startswith(b"HTTP/1.") or not head[9:12].isdigit():
            raise EndpointFailure("not an HTTP answer: %r, no HTTP status" % head[:80])
        status = int(head[9:12])
        rest = buffer[end + 4:]
        length = CONTENT_LENGTH.search(head)
        if length is not None:
            length = int(length.group(1))
            while len(rest) < length:
                rest += self._receive(deadline, "the answer's body")
            payload = rest[:length]
            self.keep_alive = head[5:8] == b"1.1" and CLOSE.search(head) is None
        elif CHUNKED.search(head) is not None:
            payload = self._dechunk(rest, deadline)
            self.keep_alive = CLOSE.search(head) is None
        else:
            while True:
                try:
                    rest += self._receive(deadline, "")
                except ConnectionError:
                    break
            payload = rest
            self.keep_alive = False
        return status, head, payload

    def _receive(self, deadline, during):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout()
        self.sock.settimeout(remaining)
        chunk = self.sock.recv(262144)
        if not chunk:
            if not during:
                raise ConnectionError()
            raise EndpointFailure("the connection closed in the middle of %s" % during)
        return chunk

    def _dechunk(self, data, deadline):
        payload = []
        while True:
            while b"\r\n" not in data:
                data += self._receive(deadline, "a chunked answer")
            line, data = data.split(b"\r\n", 1)
            size = int(line.split(b";")[0], 16)
            while len(data) < size + 2:
                data += self._receive(deadline, "a chunked answer")
            if size == 0:
                return b"".join(payload)
            payload.append(data[:size])
            data = data[size + 2:]


class Client(object):
    """What a session keeps: the endpoint lookup plan, open connections, counters."""

    def __init__(self):
        self.lookup = plpy.prepare(
            "SELECT url, connect_timeout_ms, request_timeout_ms, max_rows_per_batch, custom_attributes "
            "FROM aws_sagemaker.endpoints WHERE endpoint_name = $1", ["text"])
        self.connections = {}
        self.stats = {"requests": 0, "rows": 0, "connections_opened": 0, "reconnects": 0}

    def endpoint(self, name, function):
        """The endpoint's settings, read in the calling statement's snapshot (so a change is
        seen by the next call in every session)."""
        if name is None:
            plpy.error("%s: endpoint_name is NULL" % function)
        rows = plpy.execute(self.lookup, [name])
        if not rows:
            plpy.error('%s: no endpoint named "%s"' % (function, name),
                       hint="Add it: INSERT INTO aws_sagemaker.endpoints (endpoint_name, url) VALUES ('%s', 'http://HOST:PORT')" % name)
        return Endpoint(name, rows[0])

    def post(self, endpoint, body):
        """One request on the session's keep-alive connection to the endpoint's host and port;
        a connection the server closed while idle is replaced once. Returns (status, head, payload)."""
        connection = self.connections.pop(endpoint.key, None)
        retried = False
        while True:
            fresh = connection is None
            if fresh:
                connection = Connection(endpoint)
                self.stats["connections_opened"] += 1
            try:
                status, head, payload = connection.exchange(endpoint, body)
            except socket.timeout:
                connection.close()
                raise EndpointFailure("no answer within %g ms (request timeout), no HTTP status" % (endpoint.request_timeout * 1000))
            except EndpointFailure:
                connection.close()
                raise
            except OSError as error:
                connection.close()
                connection = None
                if fresh or retried:
                    raise EndpointFailure("the connection failed (%s), no HTTP status" % (getattr(error, "strerror", None) or error))
                retried = True
                self.stats["reconnects"] += 1
                continue
            self.stats["requests"] += 1
            if connection.keep_alive:
                self.connections[endpoint.key] = connection
            else:
                connection.close()
            return status, head, payload

    def invoke_one(self, name, fields, function):
        """One row, one request: the answer line as text."""
        endpoint = self.endpoint(name, function)
        try:
            status, head, payload = self.post(endpoint, csv_row(fields).encode("utf-8") + b"\n")
        except EndpointFailure as failure:
            plpy.error("%s: %s: %s" % (function, endpoint.described, failure.message),
                       detail="the row: %s" % csv_row(fields), sqlstate="38000")
        if status != 200:
            self._fail(function, endpoint, status, head, payload, 0, [fields], 1, 1)
        text = payload.decode("utf-8", "replace")
        if text.endswith("\n"):
            text = text[:-1]
        if text.endswith("\r"):
            text = text[:-1]
        if "\n" in text:
            plpy.error("%s: %s answered %d lines for 1 row" % (function, endpoint.described, text.count("\n") + 1),
                       detail="the row: %s" % csv_row(fields), sqlstate="38000")
        self.stats["rows"] += 1
        return text

    def invoke(self, name, rows, max_rows_per_batch, function):
        """Rows (lists of text or None) in requests of at most max_rows_per_batch rows; one
        answer line per row, in row order."""
        endpoint = self.endpoint(name, function)
        limit = max_rows_per_batch if max_rows_per_batch is not None else endpoint.max_rows
        if limit < 1 or limit > HARD_MAX_ROWS:
            plpy.error("%s: max_rows_per_batch must be between 1 and %d, not %d" % (function, HARD_MAX_ROWS, limit))
        answers = []
        total = len(rows)
        for start in range(0, total, limit):
            batch = rows[start:start + limit]
            body = ("\n".join([csv_row(row) for row in batch]) + "\n").encode("utf-8")
            try:
                status, head, payload = self.post(endpoint, body)
            except EndpointFailure as failure:
                plpy.error("%s: %s: %s" % (function, endpoint.described, failure.message),
                           detail=self._rows_detail(start, batch, total, limit), sqlstate="38000")
            if status != 200:
                self._fail(function, endpoint, status, head, payload, start, batch, total, limit)
            lines = payload.decode("utf-8", "replace").split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            if len(lines) != len(batch):
                plpy.error("%s: %s answered %d lines for %d rows" % (function, endpoint.described, len(lines), len(batch)),
                           detail=self._rows_detail(start, batch, total, limit), sqlstate="38000")
            answers.extend([line[:-1] if line.endswith("\r") else line for line in lines])
            self.stats["rows"] += len(batch)
        return answers

    def _fail(self, function, endpoint, status, head, payload, start, batch, total, limit):
        """A SQL error for an answer other than 200: the endpoint, the status, the server's own
        message and, when the message names a row ("row N, ..."), that input row and its CSV."""
        message = payload.decode("utf-8", "replace").strip()
        code = None
        if JSON_TYPE.search(head) is not None:
            try:
                error = json.loads(message)["error"]
                message, code = error["message"], error.get("code")
            except Exception:
                pass
        answered = "%s: %s answered HTTP %d%s" % (function, endpoint.described, status, " (%s)" % code if code else "")
        row = SWERVE_ROW.match(message)
        if row and 1 <= int(row.group(1)) <= len(batch):
            index = start + int(row.group(1))
            where = "input row %d" % index if total > 1 else "the row"
            plpy.error("%s for %s: %s" % (answered, where, message),
                       detail="input row %d: %s" % (index, csv_row(batch[index - start - 1])), sqlstate="38000")
        plpy.error("%s: %s" % (answered, message[:500]), detail=self._rows_detail(start, batch, total, limit), sqlstate="38000")

    @staticmethod
    def _rows_detail(start, batch, total, limit):
        if total == 1:
            return "the row: %s" % csv_row(batch[0])
        return "request %d of %d: input rows %d to %d" % (
            start // limit + 1, (total + limit - 1) // limit, start + 1, start + len(batch))


GD["aws_sagemaker_client"] = Client()
GD["aws_sagemaker_csv_row"] = csv_row
GD["aws_sagemaker_client_version"] = VERSION
$python$;

-- Aurora's call interface, as near as PL/Python allows: Aurora declares model_input as
-- VARIADIC "any" (a C-language privilege); here it is VARIADIC text[], so non-text arguments need
-- ::text. One call is one request of one CSV row; the answer is the answer line as text.
-- max_rows_per_batch is accepted for Aurora's signature; a single row is always one request.
CREATE OR REPLACE FUNCTION aws_sagemaker.invoke_endpoint(endpoint_name text, max_rows_per_batch integer, VARIADIC model_input text[])
RETURNS varchar
LANGUAGE plpython3u VOLATILE AS $python$
client = GD.get("aws_sagemaker_client")
if client is None:
    plpy.execute("SELECT aws_sagemaker._client()")
    client = GD["aws_sagemaker_client"]
if model_input is None:
    return None
return client.invoke_one(endpoint_name, model_input, "aws_sagemaker.invoke_endpoint")
$python$;

-- The batch path: model_input is a two-dimensional array, one row per CSV line (a one-dimensional
-- array is one row). Rows go out in requests of at most max_rows_per_batch (NULL: the endpoint's
-- setting, 10,000 unless changed); the answer holds one element per row, in row order.
CREATE OR REPLACE FUNCTION aws_sagemaker.invoke_endpoint_batch(endpoint_name text, max_rows_per_batch integer, model_input text[])
RETURNS varchar[]
LANGUAGE plpython3u VOLATILE AS $python$
if model_input is None:
    return None
client = GD.get("aws_sagemaker_client")
if client is None:
    plpy.execute("SELECT aws_sagemaker._client()")
    client = GD["aws_sagemaker_client"]
if not model_input:
    return []
rows = model_input if isinstance(model_input[0], list) else [model_input]
return client.invoke(endpoint_name, rows, max_rows_per_batch, "aws_sagemaker.invoke_endpoint_batch")
$python$;

-- The CSV line invoke_endpoint sends for these fields (for checking quoting by eye).
CREATE OR REPLACE FUNCTION aws_sagemaker.csv_row(VARIADIC fields text[]) RETURNS text
LANGUAGE plpython3u IMMUTABLE AS $python$
if "aws_sagemaker_csv_row" not in GD:
    plpy.execute("SELECT aws_sagemaker._client()")
return GD["aws_sagemaker_csv_row"](fields)
$python$;

-- This session's counters (Aurora MySQL's Aurora_ml_actual_request_cnt and friends, per session).
CREATE OR REPLACE FUNCTION aws_sagemaker.session_stats(
    OUT requests bigint, OUT rows_sent bigint, OUT connections_opened bigint, OUT reconnects bigint)
LANGUAGE plpython3u VOLATILE AS $python$
client = GD.get("aws_sagemaker_client")
if client is None:
    return (0, 0, 0, 0)
stats = client.stats
return (stats["requests"], stats["rows"], stats["connections_opened"], stats["reconnects"])
$python$;

-- The churn scenario ---------------------------------------------------------------------------

-- The 20 model inputs, in the order the endpoint reads them (Aurora's column order).
DO $$ BEGIN
    CREATE TYPE churn_features AS (
        state text, acc_length integer, area_code integer, phone text, int_plan text, vmail_plan text,
        vmail_msg integer, day_mins double precision, day_calls integer, day_charge double precision,
        eve_mins double precision, eve_calls integer, eve_charge double precision,
        night_mins double precision, night_calls integer, night_charge double precision,
        int_mins double precision, int_calls integer, int_charge double precision,
        cust_service_calls integer);
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

CREATE TABLE IF NOT EXISTS churn_inserts (
    id                 bigserial PRIMARY KEY,
    state              text,
    acc_length         integer,
    area_code          integer,
    phone              text,
    int_plan           text,
    vmail_plan         text,
    vmail_msg          integer,
    day_mins           double precision,
    day_calls          integer,
    day_charge         double precision,
    eve_mins           double precision,
    eve_calls          integer,
    eve_charge         double precision,
    night_mins         double precision,
    night_calls        integer,
    night_charge       double precision,
    int_mins           double precision,
    int_calls          integer,
    int_charge         double precision,
    cust_service_calls integer,
    prediction         boolean,          -- set by the trigger: will this customer churn?
    inserted_at        timestamptz NOT NULL DEFAULT now()
);

-- One customer, one request: the endpoint answers 1 or 0 (text/csv), read as a boolean.
CREATE OR REPLACE FUNCTION predict_churn(
    state text, acc_length integer, area_code integer, phone text, int_plan text, vmail_plan text,
    vmail_msg integer, day_mins double precision, day_calls integer, day_charge double precision,
    eve_mins double precision, eve_calls integer, eve_charge double precision,
    night_mins double precision, night_calls integer, night_charge double precision,
    int_mins double precision, int_calls integer, int_charge double precision,
    cust_service_calls integer)
RETURNS boolean
LANGUAGE sql VOLATILE AS $$
    SELECT aws_sagemaker.invoke_endpoint('churn', NULL,
        state, acc_length::text, area_code::text, phone, int_plan, vmail_plan,
        vmail_msg::text, day_mins::text, day_calls::text, day_charge::text,
        eve_mins::text, eve_calls::text, eve_charge::text,
        night_mins::text, night_calls::text, night_charge::text,
        int_mins::text, int_calls::text, int_charge::text,
        cust_service_calls::text)::boolean
$$;

-- Every new customer is scored before it is stored; a failed call fails (and rolls back) the insert.
CREATE OR REPLACE FUNCTION churn_inserts_predict() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.prediction := predict_churn(
        NEW.state, NEW.acc_length, NEW.area_code, NEW.phone, NEW.int_plan, NEW.vmail_plan,
        NEW.vmail_msg, NEW.day_mins, NEW.day_calls, NEW.day_charge,
        NEW.eve_mins, NEW.eve_calls, NEW.eve_charge,
        NEW.night_mins, NEW.night_calls, NEW.night_charge,
        NEW.int_mins, NEW.int_calls, NEW.int_charge,
        NEW.cust_service_calls);
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS churn_inserts_predict ON churn_inserts;
CREATE TRIGGER churn_inserts_predict BEFORE INSERT ON churn_inserts
    FOR EACH ROW EXECUTE FUNCTION churn_inserts_predict();

-- The features of a row c: churn_features(c). For churn_inserts rows directly; for any other row
-- whose columns carry the churn names (a table made LIKE churn_inserts, a query's result) by name,
-- through jsonb (about 30 us a row).
CREATE OR REPLACE FUNCTION churn_features(customer churn_inserts) RETURNS churn_features
LANGUAGE sql IMMUTABLE AS $$
    SELECT ROW(customer.state, customer.acc_length, customer.area_code, customer.phone, customer.int_plan,
               customer.vmail_plan, customer.vmail_msg, customer.day_mins, customer.day_calls, customer.day_charge,
               customer.eve_mins, customer.eve_calls, customer.eve_charge, customer.night_mins, customer.night_calls,
               customer.night_charge, customer.int_mins, customer.int_calls, customer.int_charge,
               customer.cust_service_calls)::churn_features
$$;

CREATE OR REPLACE FUNCTION churn_features(customer anyelement) RETURNS churn_features
LANGUAGE sql STABLE AS $$
    SELECT jsonb_populate_record(NULL::churn_features, to_jsonb(customer))
$$;

-- Many customers at once: requests of at most max_rows_per_batch rows (at most 10,000); one
-- answer per customer, in the order given. NULL elements of customers are all-missing rows.
CREATE OR REPLACE FUNCTION predict_churn_batch(customers churn_features[], max_rows_per_batch integer DEFAULT 10000)
RETURNS boolean[]
LANGUAGE sql VOLATILE AS $$
    SELECT answers::boolean[]
    FROM aws_sagemaker.invoke_endpoint_batch('churn', max_rows_per_batch, coalesce((
        SELECT array_agg(ARRAY[
                   c.state, c.acc_length::text, c.area_code::text, c.phone, c.int_plan, c.vmail_plan,
                   c.vmail_msg::text, c.day_mins::text, c.day_calls::text, c.day_charge::text,
                   c.eve_mins::text, c.eve_calls::text, c.eve_charge::text,
                   c.night_mins::text, c.night_calls::text, c.night_charge::text,
                   c.int_mins::text, c.int_calls::text, c.int_charge::text,
                   c.cust_service_calls::text] ORDER BY ordinal)
        FROM unnest(customers) WITH ORDINALITY AS c(state, acc_length, area_code, phone, int_plan, vmail_plan,
             vmail_msg, day_mins, day_calls, day_charge, eve_mins, eve_calls, eve_charge,
             night_mins, night_calls, night_charge, int_mins, int_calls, int_charge, cust_service_calls, ordinal)
    ), '{}'::text[])) AS answers
$$;

COMMIT;
