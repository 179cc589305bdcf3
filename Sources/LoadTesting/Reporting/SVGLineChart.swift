/// A line chart over time rendered as inline SVG: axes with round-number ticks, one polyline per
/// series, a legend. Gaps (nil values) break a line instead of dropping it to zero.
///
/// Exists because the HTML report must be self-contained (no JavaScript, no CDN), and the charts
/// people read in locust are exactly this: a few lines against seconds.
struct SVGLineChart {
    struct Series {
        var name: String
        var color: String
        var values: [Double?]
    }

    var title: String
    var unit: String
    /// Seconds since the start of the run, one per value of every series.
    var times: [Double]
    var series: [Series]
    /// Counts (users, connections): ticks at whole numbers only.
    var integerValued = false
    var width = 960.0
    var height = 260.0

    private let left = 64.0, right = 16.0, top = 34.0, bottom = 34.0
    /// Styling as presentation attributes, not CSS, so a chart copied out of the page renders the same.
    private static let font = "font-family=\"system-ui, sans-serif\""
    private static let axisLabel = "\(font) font-size=\"11\" fill=\"#616161\""

    func render() -> String {
        let plotWidth = self.width - self.left - self.right
        let plotHeight = self.height - self.top - self.bottom
        let maxTime = max(self.times.last ?? 1, 1)
        let maxValue = self.series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0
        let yTicks = Self.ticks(upTo: maxValue, minimumStep: self.integerValued ? 1 : 0)
        let yTop = yTicks.last ?? 1
        let x = { (t: Double) in self.left + t / maxTime * plotWidth }
        let y = { (v: Double) in self.top + plotHeight - v / yTop * plotHeight }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(Int(self.width))\" height=\"\(Int(self.height))\""
        svg += " viewBox=\"0 0 \(Int(self.width)) \(Int(self.height))\" role=\"img\" aria-label=\"\(HTML.escape(self.title))\">"
        svg += "<text x=\"\(self.left)\" y=\"20\" \(Self.font) font-size=\"14\" font-weight=\"600\">\(HTML.escape(self.title))</text>"
        for tick in yTicks {
            let ty = fixed(y(tick), 1)
            svg += "<line x1=\"\(self.left)\" y1=\"\(ty)\" x2=\"\(self.width - self.right)\" y2=\"\(ty)\" stroke=\"#eeeeee\"/>"
            svg +=
                "<text x=\"\(self.left - 6)\" y=\"\(ty)\" \(Self.axisLabel) text-anchor=\"end\" dominant-baseline=\"middle\">\(Self.label(tick))</text>"
        }
        for tick in Self.ticks(upTo: maxTime) where tick <= maxTime {
            let tx = fixed(x(tick), 1)
            svg += "<text x=\"\(tx)\" y=\"\(Int(self.height - 12))\" \(Self.axisLabel) text-anchor=\"middle\">\(Self.label(tick))s</text>"
        }
        svg += "<text x=\"\(self.left - 6)\" y=\"\(Int(self.top - 10))\" \(Self.axisLabel) text-anchor=\"end\">\(HTML.escape(self.unit))</text>"
        svg +=
            "<rect x=\"\(self.left)\" y=\"\(self.top)\" width=\"\(fixed(plotWidth, 1))\" height=\"\(fixed(plotHeight, 1))\" fill=\"none\" stroke=\"#bdbdbd\"/>"
        for (index, series) in self.series.enumerated() {
            for run in Self.runs(of: series.values) {
                let points = run.map { (x: fixed(x(self.times[$0]), 1), y: fixed(y(series.values[$0] ?? 0), 1)) }
                if points.count == 1 {
                    svg += "<circle cx=\"\(points[0].x)\" cy=\"\(points[0].y)\" r=\"2\" fill=\"\(series.color)\"/>"
                } else {
                    let list = points.map { "\($0.x),\($0.y)" }.joined(separator: " ")
                    svg += "<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"2\"/>"
                }
            }
            let lx = self.width - self.right - Double(self.series.count - index) * 110
            svg += "<rect x=\"\(fixed(lx, 1))\" y=\"10\" width=\"12\" height=\"12\" fill=\"\(series.color)\"/>"
            svg += "<text x=\"\(fixed(lx + 16, 1))\" y=\"20\" \(Self.font) font-size=\"12\">\(HTML.escape(series.name))</text>"
        }
        return svg + "</svg>"
    }

    /// Index runs of consecutive non-nil values.
    static func runs(of values: [Double?]) -> [[Int]] {
        var runs: [[Int]] = []
        var current: [Int] = []
        for (index, value) in values.enumerated() {
            if value != nil {
                current.append(index)
            } else if !current.isEmpty {
                runs.append(current)
                current = []
            }
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }

    /// Round-number ticks from 0 covering `maxValue` (1, 2 or 5 times a power of ten apart).
    static func ticks(upTo maxValue: Double, minimumStep: Double = 0) -> [Double] {
        guard maxValue > 0, maxValue.isFinite else { return [0, 1] }
        guard maxValue / 5 > minimumStep else { return stride(from: 0, through: max(minimumStep, maxValue), by: max(minimumStep, 1)).map { $0 } }
        let rough = maxValue / 5
        var magnitude = 1.0
        while magnitude * 10 <= rough { magnitude *= 10 }
        while magnitude > rough { magnitude /= 10 }
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? magnitude * 10
        var ticks: [Double] = [0]
        while ticks.last! < maxValue { ticks.append(ticks.last! + step) }
        return ticks
    }

    static func label(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        var text = fixed(value, abs(value) < 1 ? 3 : 1)
        while text.contains("."), text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

/// Escaping for text and attribute values in the generated HTML and SVG.
enum HTML {
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
