import Foundation
import HTTPTestSupport
import Testing

/// The database scenario on a real PostgreSQL 15 (Debian's, with PL/Python): integrations/postgres/churn.sql
/// installed into a throwaway cluster, calling the real `swerve` binary over loopback HTTP.
@Suite(
    "PostgreSQL calling Swerve: trigger, batches, failures", .serialized,
    .enabled(if: PostgresCluster.shouldRun, "PostgreSQL 15 with PL/Python is not installed (SWERVE_CI=1 makes this a failure)"))
struct PostgresIntegrationTests {
    static let columns =
        "state, acc_length, area_code, phone, int_plan, vmail_plan, vmail_msg, day_mins, day_calls, day_charge, "
        + "eve_mins, eve_calls, eve_charge, night_mins, night_calls, night_charge, int_mins, int_calls, int_charge, cust_service_calls"
    static let exampleCSV = "AK,55,415,312-6133,yes,no,0,129.1,157,222.12,228.5,83,19.42,208.8,111,9.4,12.7,6,3.43,4"
    static let exampleSQL = "('AK',55,415,'312-6133','yes','no',0,129.1,157,222.12,228.5,83,19.42,208.8,111,9.4,12.7,6,3.43,4)"
    static let golden = SwerveProcess.repositoryRoot.appendingPathComponent("Tests/ModelRuntimesTests/Fixtures/golden")

    /// A cluster with churn.sql installed against a fresh Swerve on the churn model, plus a
    /// `churn-probability` endpoint (same server, `output=probability`) for exact comparisons.
    private func scenario(swerveArguments: [String] = []) async throws -> (PostgresCluster, SwerveProcess) {
        let cluster = try await PostgresCluster()
        let server = try await SwerveProcess.serve(model: "churn", extraArguments: swerveArguments)
        try await cluster.installChurn(swerveURL: "http://127.0.0.1:\(server.port)")
        try expectSuccess(
            await cluster.psql(
                """
                INSERT INTO aws_sagemaker.endpoints (endpoint_name, url, custom_attributes)
                VALUES ('churn-probability', 'http://127.0.0.1:\(server.port)', 'output=probability');
                """))
        return (cluster, server)
    }

    @Test("golden rows inserted through the trigger store Swerve's own answer for each row, over one kept-alive connection")
    func goldenRowsThroughTheTrigger() async throws {
        let (cluster, server) = try await scenario()
        defer {
            cluster.stop()
            server.stop()
        }
        let rows = try goldenRows()
        try await loadGolden(into: cluster)

        let before = try await metrics(server.port)
        let inserted = try await cluster.psql(
            """
            INSERT INTO churn_inserts (\(Self.columns)) SELECT \(Self.columns) FROM golden ORDER BY n;
            SELECT requests, rows_sent, connections_opened FROM aws_sagemaker.session_stats();
            SELECT coalesce(prediction::text, 'NULL') FROM churn_inserts ORDER BY id;
            """)
        try expectSuccess(inserted)
        let after = try await metrics(server.port)
        #expect(
            after.sum("swerve_requests_total", ["route": "/invocations", "status": "2xx"])
                - before.sum("swerve_requests_total", ["route": "/invocations", "status": "2xx"]) == 200, "one request per inserted row")
        #expect(inserted.lines.first == "200|200|1", "200 requests, 200 rows, one kept-alive connection")

        let stored = Array(inserted.lines.dropFirst())
        #expect(stored.count == rows.count)
        let client = try LoopbackClient(port: server.port)
        let expectedLabels = try goldenEnsembleLabels()
        for (index, row) in rows.enumerated() where index < stored.count {
            try await client.send(invocationRequest(row, contentType: "text/csv"))
            let answer = try await client.response()
            #expect(answer.status == 200)
            let swerve = answer.body == "1\n" ? "true" : answer.body == "0\n" ? "false" : "unexpected \(answer.body)"
            #expect(stored[index] == swerve, "golden row \(index): \(row)")
            #expect(stored[index] == (expectedLabels[index] == "True." ? "true" : "false"), "golden row \(index) against the library's label")
        }
    }

    @Test("NULL is sent as an empty field; commas, quotes and line ends are quoted")
    func nullsAndQuoting() async throws {
        let (cluster, server) = try await scenario()
        defer {
            cluster.stop()
            server.stop()
        }
        let encoded = try await cluster.psql(
            """
            SELECT aws_sagemaker.csv_row('a,b', 'say "hi"', NULL, '', E'two\\nlines', ' padded', 'plain', E'cr\\r');
            """)
        try expectSuccess(encoded)
        #expect(encoded.output == "\"a,b\",\"say \"\"hi\"\"\",,,\"two\nlines\",\" padded\",plain,\"cr\r\"\n")

        // Rows whose text fields hold commas, quotes and a line end, and rows with NULLs.
        let cases: [(sql: String, csv: String)] = [
            (
                "($q$A,K$q$, 55, 415, $q$312,\"61\"\n33$q$, 'yes', 'no', 0, 129.1, 157, 222.12, 228.5, 83, 19.42, 208.8, 111, 9.4, 12.7, 6, 3.43, 4)",
                "\"A,K\",55,415,\"312,\"\"61\"\"\n33\",yes,no,0,129.1,157,222.12,228.5,83,19.42,208.8,111,9.4,12.7,6,3.43,4"
            ),
            (
                "('AK', 55, 415, $q$\"quoted\"$q$, 'yes', $q$no, really$q$, 0, 129.1, 157, 222.12, 228.5, 83, 19.42, 208.8, 111, 9.4, 12.7, 6, 3.43, 4)",
                "AK,55,415,\"\"\"quoted\"\"\",yes,\"no, really\",0,129.1,157,222.12,228.5,83,19.42,208.8,111,9.4,12.7,6,3.43,4"
            ),
            (
                "('AK', NULL, 415, NULL, 'yes', NULL, 0, NULL, 157, 222.12, NULL, 83, 19.42, 208.8, NULL, 9.4, 12.7, 6, NULL, 4)",
                "AK,,415,,yes,,0,,157,222.12,,83,19.42,208.8,,9.4,12.7,6,,4"
            ),
            (
                "(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
                ",,,,,,,,,,,,,,,,,,,"
            ),
        ]
        let client = try LoopbackClient(port: server.port)
        for (sql, csv) in cases {
            let result = try await cluster.psql(
                """
                INSERT INTO churn_inserts (\(Self.columns)) VALUES \(sql) RETURNING prediction;
                SELECT aws_sagemaker.invoke_endpoint('churn-probability', NULL, VARIADIC (
                    SELECT ARRAY[\(Self.columns.split(separator: ",").map { "f.\($0.trimmingCharacters(in: .whitespaces))::text" }.joined(separator: ", "))]
                    FROM (VALUES \(sql)) AS f(\(Self.columns))));
                """)
            try expectSuccess(result)
            try await client.send(invocationRequest(csv, contentType: "text/csv"))
            let label = try await client.response()
            try await client.send(
                invocationRequest(csv, contentType: "text/csv", extraHeaders: "X-Amzn-SageMaker-Custom-Attributes: output=probability\r\n"))
            let probability = try await client.response()
            #expect(label.status == 200 && probability.status == 200, "Swerve reads \(csv)")
            #expect(result.lines.first == (label.body == "1\n" ? "t" : "f"), "stored prediction for \(csv)")
            #expect(result.lines.last.map { $0 + "\n" } == probability.body, "probability for \(csv)")
        }
    }

    @Test(
        "a 25,000-row table is scored in 3 requests with answers in row order; 10,001 rows end with a batch of one",
        .disabled(if: Sanitizer.isActive, "PL/Python's client gives each batch 10 s, which a sanitized swerve does not meet"))
    func batchesOf10000() async throws {
        let (cluster, server) = try await scenario()
        defer {
            cluster.stop()
            server.stop()
        }
        try await loadGolden(into: cluster)
        // Row i is golden row i mod 199: 199 distinct rows, and since 10,000 mod 199 = 50, requests
        // answered in the wrong order, or rows moved within a request, put answers on other rows.
        let distinct = 199
        try expectSuccess(
            await cluster.psql(
                """
                CREATE TABLE customers (LIKE churn_inserts INCLUDING DEFAULTS INCLUDING INDEXES);
                INSERT INTO customers (\(Self.columns))
                SELECT \(Self.columns) FROM generate_series(0, 24999) AS s(i) JOIN golden ON n = i % \(distinct) + 1 ORDER BY i;
                ANALYZE customers;
                """))
        let rows = try goldenRows().prefix(distinct)
        let client = try LoopbackClient(port: server.port)
        var labels: [String] = []
        var probabilities: [String] = []
        for row in rows {
            try await client.send(invocationRequest(row, contentType: "text/csv"))
            labels.append(try await client.response().body.trimmingCharacters(in: .newlines))
            try await client.send(
                invocationRequest(row, contentType: "text/csv", extraHeaders: "X-Amzn-SageMaker-Custom-Attributes: output=probability\r\n"))
            probabilities.append(try await client.response().body.trimmingCharacters(in: .newlines))
        }
        #expect(Set(probabilities).count > 150, "answers that tell rows apart, so order is checked")

        let before = try await metrics(server.port)
        let updated = try await cluster.psql(
            """
            WITH batch AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(churn_features(c) ORDER BY id) AS rows FROM customers c)
            UPDATE customers c SET prediction = p.will_churn
            FROM batch, unnest(batch.ids, predict_churn_batch(batch.rows)) AS p(id, will_churn)
            WHERE c.id = p.id;
            SELECT requests, rows_sent FROM aws_sagemaker.session_stats();
            SELECT CASE prediction WHEN true THEN '1' WHEN false THEN '0' END FROM customers ORDER BY id;
            """)
        try expectSuccess(updated)
        let middle = try await metrics(server.port)
        #expect(requests(before, middle) == 3, "25,000 rows in requests of at most 10,000")
        #expect(updated.lines.first == "3|25000")
        let stored = Array(updated.lines.dropFirst())
        #expect(stored.count == 25_000)
        #expect(stored == (0..<25_000).map { labels[$0 % distinct] }, "UPDATE stored each row's own answer")

        let selected = try await cluster.psql(
            """
            SELECT unnest(aws_sagemaker.invoke_endpoint_batch('churn-probability', NULL,
                (SELECT array_agg(ARRAY[\(Self.columns.split(separator: ",").map { "\($0.trimmingCharacters(in: .whitespaces))::text" }.joined(separator: ", "))] ORDER BY id)
                 FROM customers WHERE id < (SELECT min(id) + 10001 FROM customers))));
            SELECT requests FROM aws_sagemaker.session_stats();
            """)
        try expectSuccess(selected)
        let after = try await metrics(server.port)
        #expect(requests(middle, after) == 2, "10,001 rows: 10,000, then a batch of one")
        #expect(selected.lines.last == "2")
        #expect(Array(selected.lines.dropLast()) == (0..<10_001).map { probabilities[$0 % distinct] }, "SELECT returns the answers in row order")
    }

    @Test("Swerve slow, answering 5xx, or stopped: the statement fails naming the endpoint, and nothing is stored")
    func swerveUnavailable() async throws {
        let (cluster, server) = try await scenario()
        defer {
            cluster.stop()
            server.stop()
        }
        let url = "http://127.0.0.1:\(server.port)/invocations"
        try expectSuccess(await cluster.psql("INSERT INTO churn_inserts (\(Self.columns)) VALUES \(Self.exampleSQL);"))

        server.signal(SIGSTOP)
        let slow = try await cluster.psql(
            """
            UPDATE aws_sagemaker.endpoints SET request_timeout_ms = 300 WHERE endpoint_name = 'churn';
            INSERT INTO churn_inserts (\(Self.columns)) VALUES \(Self.exampleSQL);
            """)
        server.signal(SIGCONT)
        #expect(slow.status != 0)
        #expect(
            slow.errors.contains(#"endpoint "churn" (POST \#(url)): no answer within 300 ms (request timeout), no HTTP status"#), "\(slow.errors)")

        let impatient = try await SwerveProcess.serve(model: "churn", extraArguments: ["--timeout", "0.0001"])
        let failing = try await cluster.psql(
            """
            INSERT INTO aws_sagemaker.endpoints (endpoint_name, url) VALUES ('impatient', 'http://127.0.0.1:\(impatient.port)');
            SELECT aws_sagemaker.invoke_endpoint_batch('impatient', NULL,
                (SELECT array_agg(string_to_array('\(Self.exampleCSV)', ',')) FROM generate_series(1, 10000)));
            """)
        #expect(failing.status != 0)
        #expect(
            failing.errors.contains(#"endpoint "impatient" (POST http://127.0.0.1:\#(impatient.port)/invocations) answered HTTP 504"#),
            "\(failing.errors)")
        impatient.stop()

        server.stop()
        #expect(await server.waitForExit() == 0)
        let stopped = try await cluster.psql(
            """
            UPDATE aws_sagemaker.endpoints SET request_timeout_ms = 10000 WHERE endpoint_name = 'churn';
            INSERT INTO churn_inserts (\(Self.columns)) VALUES \(Self.exampleSQL), \(Self.exampleSQL);
            """)
        #expect(stopped.status != 0)
        #expect(
            stopped.errors.contains(#"endpoint "churn" (POST \#(url)): cannot connect (Connection refused), no HTTP status"#), "\(stopped.errors)")
        let batch = try await cluster.psql(
            """
            WITH batch AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(churn_features(c) ORDER BY id) AS rows FROM churn_inserts c)
            UPDATE churn_inserts c SET prediction = NOT p.will_churn
            FROM batch, unnest(batch.ids, predict_churn_batch(batch.rows)) AS p(id, will_churn) WHERE c.id = p.id;
            """)
        #expect(batch.status != 0)
        #expect(batch.errors.contains("cannot connect (Connection refused)"))
        let table = try await cluster.psql("SELECT count(*), bool_and(prediction) FROM churn_inserts;")
        #expect(table.lines == ["1|t"], "only the row inserted while Swerve answered, unchanged")
    }

    @Test("Swerve answering 400 for a bad row: the SQL error names the row, and nothing is stored")
    func badRow() async throws {
        let (cluster, server) = try await scenario()
        defer {
            cluster.stop()
            server.stop()
        }
        let single = try await cluster.psql(
            """
            INSERT INTO churn_inserts (\(Self.columns)) VALUES \(Self.exampleSQL),
                ('AK', 55, 415, '312-6133', 'yes', 'no', 0, 'NaN', 157, 222.12, 228.5, 83, 19.42, 208.8, 111, 9.4, 12.7, 6, 3.43, 4);
            """)
        #expect(single.status != 0)
        #expect(
            single.errors.contains(#"answered HTTP 400 (invalid_input) for the row: row 1, column 8, field "day_mins": "NaN" is not a number"#),
            "\(single.errors)")
        #expect(single.errors.contains("DETAIL:  input row 1: AK,55,415,312-6133,yes,no,0,NaN,157,"), "\(single.errors)")

        let rows = (1...9).map {
            $0 == 7
                ? "('KS', 7, 415, 'x', 'no', 'no', 0, 10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1e39, 1)::churn_features"
                : "('KS', \($0), 415, 'x', 'no', 'no', 0, 10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)::churn_features"
        }
        let batch = try await cluster.psql("SELECT predict_churn_batch(ARRAY[\(rows.joined(separator: ", "))], 4);")
        #expect(batch.status != 0)
        #expect(batch.errors.contains(#"answered HTTP 400 (invalid_input) for input row 7: row 3, column 19, field "int_charge""#), "\(batch.errors)")
        #expect(batch.errors.contains("DETAIL:  input row 7: KS,7,415,x,no,no,0,10,1,1,1,1,1,1,1,1,1,1,1e+39,1"), "\(batch.errors)")
        #expect(try await cluster.psql("SELECT count(*) FROM churn_inserts;").lines == ["0"])
    }

    @Test("the connection is kept alive across calls, and replaced once after Swerve closes it while idle")
    func keepAliveAndReconnect() async throws {
        let (cluster, server) = try await scenario(swerveArguments: ["--idle-timeout", "0.5"])
        defer {
            cluster.stop()
            server.stop()
        }
        let result = try await cluster.psql(
            """
            INSERT INTO churn_inserts (\(Self.columns)) VALUES \(Self.exampleSQL);
            INSERT INTO churn_inserts (\(Self.columns)) VALUES \(Self.exampleSQL);
            INSERT INTO churn_inserts (\(Self.columns)) VALUES \(Self.exampleSQL);
            SELECT requests, connections_opened, reconnects FROM aws_sagemaker.session_stats();
            SELECT pg_sleep(1.2);
            INSERT INTO churn_inserts (\(Self.columns)) VALUES \(Self.exampleSQL) RETURNING prediction;
            SELECT requests, connections_opened, reconnects FROM aws_sagemaker.session_stats();
            """)
        try expectSuccess(result)
        #expect(result.lines == ["3|1|0", "t", "4|2|1"])
    }

    // MARK: helpers

    private func expectSuccess(_ result: PSQLResult, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(result.status == 0, "psql failed: \(result.errors)", sourceLocation: sourceLocation)
        if result.status != 0 { throw PostgresCluster.ClusterError("psql failed") }
    }

    /// The 200 golden request rows as sent (CSV lines, no header).
    private func goldenRows() throws -> [String] {
        let text = try String(contentsOf: Self.golden.appendingPathComponent("churn-requests.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map(String.init)
    }

    private func goldenEnsembleLabels() throws -> [String] {
        let text = try String(contentsOf: Self.golden.appendingPathComponent("churn-expected.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { String($0.split(separator: ",", omittingEmptySubsequences: false).last!) }
    }

    /// Loads the golden rows into a table `golden` (n = file order) with churn_inserts' types.
    private func loadGolden(into cluster: PostgresCluster) async throws {
        let file = Self.golden.appendingPathComponent("churn-requests.csv").path
        try expectSuccess(
            await cluster.psql(
                """
                CREATE TABLE golden_text (n serial, \(Self.columns.split(separator: ",").map { "\($0) text" }.joined(separator: ",")));
                \\copy golden_text (\(Self.columns)) FROM '\(file)' WITH (FORMAT csv, HEADER true)
                CREATE TABLE golden AS
                SELECT n, state, acc_length::float8::int AS acc_length, area_code::float8::int AS area_code, phone, int_plan, vmail_plan,
                       vmail_msg::float8::int AS vmail_msg, day_mins::float8 AS day_mins, day_calls::float8::int AS day_calls,
                       day_charge::float8 AS day_charge, eve_mins::float8 AS eve_mins, eve_calls::float8::int AS eve_calls,
                       eve_charge::float8 AS eve_charge, night_mins::float8 AS night_mins, night_calls::float8::int AS night_calls,
                       night_charge::float8 AS night_charge, int_mins::float8 AS int_mins, int_calls::float8::int AS int_calls,
                       int_charge::float8 AS int_charge, cust_service_calls::float8::int AS cust_service_calls
                FROM golden_text;
                """))
    }

    private func metrics(_ port: Int) async throws -> PrometheusText {
        try PrometheusText(await LoopbackClient.exchange(port: port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").body)
    }

    private func requests(_ before: PrometheusText, _ after: PrometheusText) -> Double {
        after.sum("swerve_requests_total", ["route": "/invocations"]) - before.sum("swerve_requests_total", ["route": "/invocations"])
    }

    /// Swerve's own answer lines for a CSV body.
    private func invoke(_ port: Int, _ csv: String, attributes: String?) async throws -> [String] {
        let client = try LoopbackClient(port: port, timeout: 30)
        try await client.send(
            invocationRequest(
                csv, contentType: "text/csv",
                extraHeaders: attributes.map { "X-Amzn-SageMaker-Custom-Attributes: \($0)\r\n" } ?? ""))
        let response = try await client.response()
        #expect(response.status == 200)
        return response.body.split(separator: "\n").map(String.init)
    }
}
