// A console progress bar for long jobs: step, loss, it/s and ETA. Redraws one line on a terminal;
// when stderr is a file or pipe (sweep children, CI) it prints a plain line every few seconds instead.
import Foundation

/// Draws `[#####.....] step 120/400  loss 0.4132  12.3 it/s  ETA 0:22` on stderr.
public final class ProgressBar {
    /// Can move while running (a time-budgeted run plans its own step count).
    public var total: Int
    public let label: String
    private let start = Date()
    private let startStep: Int
    private var lastDraw = Date.distantPast
    private let interactive: Bool
    private let quiet: Bool

    public init(total: Int, startStep: Int = 0, label: String = "", quiet: Bool = false) {
        self.total = total
        self.startStep = startStep
        self.label = label
        self.quiet = quiet
        interactive = isatty(2) != 0
    }

    /// Updates the bar after `step` (1-based count of finished steps).
    public func update(step: Int, loss: Double?) {
        guard !quiet else { return }
        let now = Date()
        let interval = interactive ? 0.1 : 5.0
        guard step == total || now.timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = now
        let line = render(step: step, loss: loss, elapsed: now.timeIntervalSince(start))
        if interactive {
            FileHandle.standardError.write(Data(("\r" + line + (step == total ? "\n" : "")).utf8))
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// The bar's text for a given state (public for tests and logs).
    public func render(step: Int, loss: Double?, elapsed: Double) -> String {
        let width = 24
        let fraction = total > 0 ? min(1, Double(step) / Double(total)) : 1
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let done = max(0, step - startStep)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - step) / rate : .nan
        var text = label.isEmpty ? "" : label + " "
        text += "[\(bar)] step \(step)/\(total)"
        if let loss { text += String(format: "  loss %.4g", loss) }
        text += String(format: "  %.1f it/s  ETA %@", rate, ProgressBar.clock(eta))
        return text
    }

    /// h:mm:ss or m:ss; "?" when unknown.
    public static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
