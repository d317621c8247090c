import Foundation

/// The due date and late policy `assignment.yaml` states (`due:`, `late:`), and what it makes of one submission.
///
/// A day late is each started 24 hours after the due date, once the grace period is over. Late days from the
/// student's bank are spent first (at most `max-per-assignment` on one assignment); each remaining day costs
/// `penalty-per-day` (a percent of the points possible, or points), the whole penalty at most `max-penalty`; work
/// more than `reject-after-days` charged days late scores 0. A score never goes below 0.
public struct LatePolicy: Sendable, Equatable {
    /// A penalty as a percent of the points possible, or as points.
    public enum Amount: Sendable, Equatable, CustomStringConvertible {
        case percent(Double)
        case points(Double)

        /// The amount in points, for an assignment worth `maxScore`.
        public func points(outOf maxScore: Double) -> Double {
            switch self {
            case .percent(let percent): return LatePolicy.rounded(percent * maxScore / 100)
            case .points(let points): return points
            }
        }

        public var description: String {
            switch self {
            case .percent(let percent): return "\(NumberFormatting.score(percent))%"
            case .points(let points): return "\(NumberFormatting.score(points)) point\(points == 1 ? "" : "s")"
            }
        }
    }

    /// The due date, and `due:` as written.
    public var due: Date
    public var dueText: String
    public var graceMinutes = 0
    public var penaltyPerDay: Amount?
    public var maxPenalty: Amount?
    public var rejectAfterDays: Int?
    /// Late days each student may spend over the term (0: no bank).
    public var lateDaysPerStudent = 0
    /// At most this many of them on one assignment; `nil`: no cap.
    public var lateDaysPerAssignment: Int?

    public init(due: Date, dueText: String) {
        self.due = due
        self.dueText = dueText
    }

    /// Reads `due:` and `late:` from `assignment.yaml`'s fields; `nil` when there is no `due:`.
    static func read(_ fields: inout YAMLFields) throws -> LatePolicy? {
        let dueNode = fields.node("due")
        let lateNode = fields.node("late")
        guard let dueNode else {
            if lateNode != nil {
                throw fields.error("`late:` needs a `due:` date to count from", line: fields.line(of: "late"))
            }
            return nil
        }
        guard case .scalar(let text, _, _) = dueNode, let due = Self.date(text) else {
            throw fields.error(
                """
                `due:` must be an ISO 8601 date and time with a zone, such as 2026-10-14T22:00:00-07:00, found \
                \(dueNode.kindDescription)
                """, line: dueNode.line)
        }
        var policy = LatePolicy(due: due, dueText: text)
        guard let lateNode else { return policy }
        var late = try YAMLFields(lateNode, file: fields.file, what: "`late:`")
        if let grace = try late.int("grace-minutes") {
            guard grace >= 0 else {
                throw late.error("`grace-minutes` must be 0 or more", line: late.line(of: "grace-minutes"))
            }
            policy.graceMinutes = grace
        }
        policy.penaltyPerDay = try amount(&late, "penalty-per-day")
        policy.maxPenalty = try amount(&late, "max-penalty")
        if let days = try late.int("reject-after-days") {
            guard days >= 0 else {
                throw late.error("`reject-after-days` must be 0 or more", line: late.line(of: "reject-after-days"))
            }
            policy.rejectAfterDays = days
        }
        if let bank = late.node("late-days") {
            var fields = try YAMLFields(bank, file: fields.file, what: "`late-days:`")
            guard let perStudent = try fields.int("per-student"), perStudent >= 0 else {
                throw fields.error("`late-days:` needs `per-student:`, a whole number of days, 0 or more")
            }
            policy.lateDaysPerStudent = perStudent
            if let cap = try fields.int("max-per-assignment") {
                guard cap >= 0 else {
                    throw fields.error(
                        "`max-per-assignment` must be 0 or more", line: fields.line(of: "max-per-assignment"))
                }
                policy.lateDaysPerAssignment = cap
            }
            try fields.rejectUnknownKeys()
        }
        try late.rejectUnknownKeys()
        return policy
    }

    /// `10%` (of the points possible) or `2` (points), 0 or more; a percent at most 100.
    static func amount(_ fields: inout YAMLFields, _ key: String) throws -> Amount? {
        guard let node = fields.node(key) else { return nil }
        guard case .scalar(let raw, _, _) = node else {
            throw fields.error(
                "`\(key)` must be a percent (10%) or points (2), found \(node.kindDescription)", line: node.line)
        }
        let text = raw.trimmingCharacters(in: .whitespaces)
        if text.hasSuffix("%"), let percent = Double(text.dropLast().trimmingCharacters(in: .whitespaces)),
            percent >= 0, percent <= 100
        {
            return .percent(percent)
        }
        if let points = Double(text), points >= 0, points.isFinite { return .points(points) }
        throw fields.error(
            "`\(key)` must be a percent from 0% to 100% or a number of points, 0 or more, found `\(raw)`",
            line: node.line)
    }

    /// An ISO 8601 date and time with a zone (`Z` or `±hh:mm`), fractional seconds allowed; `nil` otherwise.
    public static func date(_ text: String) -> Date? {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        // Gradescope writes microseconds (`.365935`); the formatter reads milliseconds.
        if let dot = trimmed.firstIndex(of: "."),
            case let digits = trimmed[trimmed.index(after: dot)...].prefix(while: \.isNumber), digits.count > 3
        {
            trimmed.replaceSubrange(trimmed.index(after: dot)..<digits.endIndex, with: digits.prefix(3))
        }
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds],
        ] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: trimmed) { return date }
        }
        return nil
    }

    /// A date as ISO 8601 in UTC, as every report writes it.
    public static func text(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func rounded(_ value: Double) -> Double { (value * 1e6).rounded() / 1e6 }

    /// What the policy makes of a submission scored `raw` of `maxScore`, handed in at `submitted` against `due`
    /// (the assignment's or the student's extended one), with `bankLeft` late days to spend.
    public func apply(
        raw: Double, maxScore: Double, submitted: SubmissionTime?, due studentDue: DueDate, bankLeft: Int
    ) -> LateAdjustment {
        var adjustment = LateAdjustment(
            due: Self.text(studentDue.date), dueSource: studentDue.source, raw: raw, total: raw)
        guard let submitted else {
            adjustment.explanation =
                """
                No submission time was found (no --submitted-at row, timestamp.txt, submission_metadata.json or git \
                commit), so no late policy was applied.
                """
            return adjustment
        }
        adjustment.submittedAt = Self.text(submitted.date)
        adjustment.submittedSource = submitted.source
        let seconds = submitted.date.timeIntervalSince(studentDue.date)
        guard seconds > 0 else {
            adjustment.explanation = "Handed in on time (\(submitted.source))."
            return adjustment
        }
        adjustment.minutesLate = Int((seconds / 60).rounded(.up))
        if adjustment.minutesLate <= graceMinutes {
            adjustment.explanation =
                "Handed in \(adjustment.minutesLate) minutes late, within the \(graceMinutes)-minute grace period."
            return adjustment
        }
        adjustment.daysLate = Int((seconds / 86_400).rounded(.up))
        // Late days are spent only where they save something: not when lateness costs nothing, and not on work
        // that is rejected even after spending them.
        let spendable = min(adjustment.daysLate, lateDaysPerAssignment ?? .max, max(0, bankLeft))
        let costsNothing = penaltyPerDay == nil && rejectAfterDays == nil
        let rejectedAnyway = rejectAfterDays.map { adjustment.daysLate - spendable > $0 } ?? false
        adjustment.lateDaysUsed = costsNothing || rejectedAnyway ? 0 : spendable
        let charged = adjustment.daysLate - adjustment.lateDaysUsed
        var why = ["Handed in \(Self.duration(minutes: adjustment.minutesLate)) late (\(submitted.source))"]
        why[0] += ", \(adjustment.daysLate) day\(adjustment.daysLate == 1 ? "" : "s") late"
        if adjustment.lateDaysUsed > 0 {
            why.append(
                "\(adjustment.lateDaysUsed) late day\(adjustment.lateDaysUsed == 1 ? "" : "s") spent from the bank "
                    + "(\(max(0, bankLeft) - adjustment.lateDaysUsed) left)")
        }
        if let rejectAfterDays, charged > rejectAfterDays {
            adjustment.rejected = true
            adjustment.penalty = raw
            adjustment.total = 0
            why.append("work more than \(rejectAfterDays) days late scores 0")
        } else if charged > 0, let penaltyPerDay {
            var penalty = Self.rounded(penaltyPerDay.points(outOf: maxScore) * Double(charged))
            var rule = "\(penaltyPerDay) a day for \(charged) day\(charged == 1 ? "" : "s")"
            if let maxPenalty, penalty > maxPenalty.points(outOf: maxScore) {
                penalty = maxPenalty.points(outOf: maxScore)
                rule += ", capped at \(maxPenalty)"
            }
            adjustment.penalty = min(raw, penalty)
            adjustment.total = Self.rounded(max(0, raw - penalty))
            why.append("penalty \(NumberFormatting.score(penalty)) points (\(rule))")
        } else {
            why.append(charged == 0 ? "no penalty" : "no penalty per day is set")
        }
        adjustment.explanation = why.joined(separator: "; ") + "."
        return adjustment
    }

    /// "2 days 3 hours", "45 minutes".
    static func duration(minutes: Int) -> String {
        let days = minutes / 1440
        let hours = (minutes % 1440) / 60
        let rest = minutes % 60
        var parts: [String] = []
        if days > 0 { parts.append("\(days) day\(days == 1 ? "" : "s")") }
        if hours > 0 { parts.append("\(hours) hour\(hours == 1 ? "" : "s")") }
        if rest > 0 && days == 0 { parts.append("\(rest) minute\(rest == 1 ? "" : "s")") }
        return parts.joined(separator: " ")
    }
}

/// A student's due date, and where it came from (the assignment, an extension, Gradescope's per-user date).
public struct DueDate: Sendable, Equatable {
    public var date: Date
    public var source: String
}

/// When a student handed in, and how the grader knows.
public struct SubmissionTime: Sendable, Equatable {
    public var date: Date
    /// `--submitted-at submitted.csv line 4`, `timestamp.txt`, `submission_metadata.json`, `git commit 1a2b3c4`.
    public var source: String
}

/// What the late policy did to one submission: written into `results.json` as `late`.
public struct LateAdjustment: Codable, Sendable, Equatable {

    /// The keys in the order of their bytes, which is the order they are encoded in: results are written in one
    /// pass, without sorting (`JSONTextStreaming`). Every stored property has its key; the tests check both.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case daysLate, due, dueSource, explanation, lateDaysUsed, minutesLate, penalty, raw, rejected, submittedAt,
            submittedSource, total
    }
    /// The student's due date (ISO 8601, UTC) and where it came from.
    public var due: String
    public var dueSource: String
    /// When the student handed in, and how the grader knows; absent when no time was found.
    public var submittedAt: String? = nil
    public var submittedSource: String? = nil
    public var minutesLate = 0
    /// Started days late (after the grace period), before late days are spent.
    public var daysLate = 0
    /// Late days spent from the student's bank on this assignment.
    public var lateDaysUsed = 0
    /// Points taken off (the whole score when rejected).
    public var penalty = 0.0
    /// Later than `reject-after-days`: scores 0.
    public var rejected = false
    /// The parts' score before the penalty, and after it.
    public var raw: Double
    public var total: Double
    /// What was applied and why, in a sentence or two.
    public var explanation = ""

    init(due: String, dueSource: String, raw: Double, total: Double) {
        self.due = due
        self.dueSource = dueSource
        self.raw = raw
        self.total = total
    }

    /// What the policy saw, without the scores: two runs that differ here differ for a reason of lateness.
    var timing: [String] {
        [due, submittedAt ?? "", "\(daysLate)", "\(lateDaysUsed)", "\(rejected)"]
    }

    /// One line for the LMS comment and the overview.
    public var summary: String {
        rejected
            ? "Late: \(daysLate) days late, rejected (scores 0)."
            : "Late: \(daysLate) day\(daysLate == 1 ? "" : "s")"
                + (lateDaysUsed > 0 ? " (\(lateDaysUsed) late day\(lateDaysUsed == 1 ? "" : "s") spent)" : "")
                + ", -\(NumberFormatting.score(penalty)) points."
    }
}
