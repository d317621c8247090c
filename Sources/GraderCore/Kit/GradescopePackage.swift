import Foundation
import ZIPFoundation

/// Gradescope's autograder zip: `setup.sh` and `run_autograder` at the top, the autograder folder, and the
/// grader's source, which `setup.sh` builds on Gradescope's image.
///
/// Gradescope unpacks the zip into `/autograder/source`, runs `setup.sh` once when it builds the image, then runs
/// `run_autograder` for every submission: it grades `/autograder/submission` and writes
/// `/autograder/results/results.json`. `GRADER_AUTOGRADER_ROOT` replaces `/autograder` and `GRADER` names the
/// grader binary, so the script can be tried on any machine.
struct GradescopePackage {
    /// The autograder folder to include (problems, references, secret).
    let autograder: String
    /// The grader's package root (`Package.swift`, `Sources/`).
    let graderSource: String

    /// Entries are dated 1980-01-01 (the zip format's first date), so the same inputs give the same archive.
    static let entryDate = Date(timeIntervalSince1970: 315_532_800)

    func write(to path: String) throws {
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: graderSource + "/Package.swift"),
            fileManager.fileExists(atPath: graderSource + "/Sources")
        else {
            throw GraderError.usage(
                """
                \(graderSource) is not the grader's package (no Package.swift and Sources/); pass --grader-source \
                with a clone of the grader, or --no-gradescope
                """
            )
        }
        try fileManager.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? fileManager.removeItem(atPath: path)
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        } catch {
            throw GraderError.io(path: path, reason: "cannot create the zip: \(error)")
        }
        func add(_ name: String, _ data: Data, executable: Bool = false, secret: Bool = false) throws {
            do {
                try archive.addEntry(
                    with: name, type: .file, uncompressedSize: Int64(data.count), modificationDate: Self.entryDate,
                    permissions: executable ? 0o755 : (secret ? 0o600 : 0o644), compressionMethod: .deflate
                ) { position, size in data.subdata(in: Int(position)..<Int(position) + size) }
            } catch {
                throw GraderError.io(path: path, reason: "cannot add \(name) to the zip: \(error)")
            }
        }
        try add("setup.sh", Data(Self.setupScript.utf8), executable: true)
        try add("run_autograder", Data(Self.runScript.utf8), executable: true)
        for file in try Self.files(under: autograder) {
            try add(
                "autograder/" + file, try FileBytes.contents(autograder + "/" + file), secret: true)
        }
        // Only what grading needs: the manifest and the sources. The tests stay out (they hold answers to the bundled
        // assignments, and student code runs on that machine); Package.swift declares test targets only where
        // `Tests/` exists.
        var sources = ["Package.swift"]
        if fileManager.fileExists(atPath: graderSource + "/Package.resolved") { sources.append("Package.resolved") }
        sources += try Self.files(under: graderSource + "/Sources").map { "Sources/" + $0 }
        for file in sources {
            try add("grader/" + file, try FileBytes.contents(graderSource + "/" + file))
        }
    }

    /// The regular files under `folder`, as relative paths in a stable order, hidden files left out.
    static func files(under folder: String) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else {
            throw GraderError.io(path: folder, reason: "cannot be listed")
        }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") || relative == ".build" {
                if enumerator.fileAttributes?[.type] as? FileAttributeType == .typeDirectory {
                    enumerator.skipDescendants()
                }
                continue
            }
            if enumerator.fileAttributes?[.type] as? FileAttributeType == .typeRegular { files.append(relative) }
        }
        return files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Runs once, as root, when Gradescope builds the autograder image.
    static let setupScript = """
        #!/usr/bin/env bash
        # Gradescope runs this once, as root, when it builds the autograder image (its Ubuntu base image).
        # It installs Swift, bubblewrap and the libraries the grader builds against, then builds the grader.
        # See the grader's docs/assignments.md.
        set -euo pipefail
        SWIFT_VERSION="${SWIFT_VERSION:-6.3.1}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update
        # Swift's own runtime needs (swift.org's list for Ubuntu), then the grader's: bubblewrap for the sandbox,
        # libxml2 for JUnit, zlib for zips.
        apt-get install -y --no-install-recommends ca-certificates curl build-essential binutils git gnupg2 libc6-dev \\
          libcurl4-openssl-dev libedit2 libpython3-dev libsqlite3-0 libz3-dev tzdata unzip \\
          bubblewrap pkg-config libxml2-dev zlib1g-dev
        . /etc/os-release
        platform="ubuntu${VERSION_ID}"
        folder="ubuntu${VERSION_ID//./}"
        release="swift-${SWIFT_VERSION}-RELEASE"
        url="https://download.swift.org/swift-${SWIFT_VERSION}-release/${folder}/${release}"
        curl -fsSL "${url}/${release}-${platform}.tar.gz" -o /tmp/swift.tar.gz
        mkdir -p /opt/swift
        tar -xzf /tmp/swift.tar.gz -C /opt/swift --strip-components=1
        rm /tmp/swift.tar.gz
        export PATH=/opt/swift/usr/bin:$PATH
        here="$(cd "$(dirname "$0")" && pwd)"
        # Student code runs as another user; it must not read the references, the answer keys or the secret. (The
        # grader itself stays readable: the sandbox runs its launcher as that user.)
        chmod -R go-rwx "$here/autograder"
        cd "$here/grader"
        # The Swift runtime and Foundation linked in: run_autograder starts the grader once per submission, and
        # binding their shared libraries' symbols at each start was a quarter of a cached grade's time. The static
        # backtracer beside it names the functions of a crash (without it, a static binary prints bare addresses).
        # Should a toolchain fail to link it so, the grader is built as before, with the shared runtime.
        if swift build -c release --static-swift-stdlib; then
          backtracer=/opt/swift/usr/libexec/swift/linux/swift-backtrace-static
          if [ -x "$backtracer" ]; then cp "$backtracer" .build/release/swift-backtrace; fi
        else
          echo "setup.sh: the statically linked build failed; building the grader with the shared Swift runtime" >&2
          swift build -c release
        fi
        # Checks the autograder folder (references compile and run) and warms the compile cache.
        ./.build/release/grader validate ../autograder

        """

    /// Runs for every submission.
    static let runScript = """
        #!/usr/bin/env bash
        # Gradescope runs this for every submission: grade /autograder/submission with the autograder folder
        # (public and hidden trials, answer keys) and write /autograder/results/results.json.
        # GRADER_AUTOGRADER_ROOT replaces /autograder and GRADER names the grader binary (to try it elsewhere).
        set -uo pipefail
        root="${GRADER_AUTOGRADER_ROOT:-/autograder}"
        source="$root/source"
        export PATH="/opt/swift/usr/bin:$PATH"
        grader="${GRADER:-$source/grader/.build/release/grader}"
        submission="$root/submission"
        # A submission uploaded as one folder (a zip of hw6/, say) holds its answers one level down.
        if [ ! -e "$submission/answers.yaml" ] && ! ls "$submission"/*.swift >/dev/null 2>&1; then
          found=$(find "$submission" -mindepth 2 -maxdepth 3 -name answers.yaml -not -path '*/.*' | head -n 2)
          if [ -n "$found" ] && [ "$(printf '%s\\n' "$found" | wc -l)" -eq 1 ]; then
            submission=$(dirname "$found")
          fi
        fi
        # Student code runs as another user; it must not read the references, the answer keys or the secret.
        chmod -R go-rwx "$source/autograder"
        mkdir -p "$root/results"
        # Whose numbers: the submitter's roster SID, else their email, from Gradescope's metadata (the same id the
        # instructor gives `grader show --student`); without metadata, `student:` in answers.yaml.
        student=""
        if [ -f "$root/submission_metadata.json" ] && command -v python3 >/dev/null; then
          student=$(python3 -c 'import json, sys; u = (json.load(open(sys.argv[1])).get("users") or [{}])[0]; \
        print(str(u.get("sid") or u.get("email") or "").strip())' "$root/submission_metadata.json" 2>/dev/null || \
        true)
        fi
        exec "$grader" grade "$submission" --problems "$source/autograder" --gradescope "$root/results/results.json" \
        --quiet ${student:+--student "$student"}

        """
}
