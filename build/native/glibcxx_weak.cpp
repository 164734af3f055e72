// glibcxx_weak: makes libLibTorchSharp.so load on systems whose libstdc++ predates GLIBCXX_3.4.32
// (Debian 12, Ubuntu 22.04). See build/native/README.md for why this is safe.
//
//   glibcxx_weak --check            exit 0 if the system libstdc++ already provides GLIBCXX_3.4.32, 3 if not
//   glibcxx_weak FILE.so [FILE.so]  set VER_FLG_WEAK on each file's GLIBCXX_3.4.32 version need,
//                                   rewriting through a temp file + rename (never in place, so a
//                                   hard link into the NuGet cache is never modified). Idempotent.
//                                   Does nothing where the system libstdc++ has the version.
//   glibcxx_weak --always FILE.so   the same on every system: for a publish or a tool package,
//                                   which runs on other machines than the one that made it.
#include <cstdio>
#include <cstring>
#include <cstdint>
#include <dlfcn.h>
#include <elf.h>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>
#include <unistd.h>
#include <sys/stat.h>

static const char* kVersion = "GLIBCXX_3.4.32";
static const char* kSymbol = "_ZSt21ios_base_library_initv";

static bool system_has_version() {
    void* h = dlopen("libstdc++.so.6", RTLD_NOW);
    if (!h) return false;
    bool found = dlvsym(h, kSymbol, kVersion) != nullptr;
    dlclose(h);
    return found;
}

// Returns 0 patched, 1 already weak, 2 no such need (nothing to do), negative on error.
static int patch_buffer(std::vector<char>& b, std::string& err) {
    if (b.size() < sizeof(Elf64_Ehdr) || memcmp(b.data(), ELFMAG, SELFMAG) != 0) { err = "not an ELF file"; return -1; }
    auto* eh = reinterpret_cast<Elf64_Ehdr*>(b.data());
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB) { err = "not a little-endian ELF64 file"; return -1; }
    if (eh->e_shoff == 0 || eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > b.size()) { err = "section table out of range"; return -1; }
    auto* sh = reinterpret_cast<Elf64_Shdr*>(b.data() + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum; ++i) {
        if (sh[i].sh_type != SHT_GNU_verneed) continue;
        if (sh[i].sh_link >= eh->e_shnum) { err = "bad verneed link"; return -1; }
        const Elf64_Shdr& strtab = sh[sh[i].sh_link];
        uint64_t off = sh[i].sh_offset;
        for (uint64_t n = 0; n < sh[i].sh_info; ++n) {
            if (off + sizeof(Elf64_Verneed) > b.size()) { err = "verneed out of range"; return -1; }
            auto* vn = reinterpret_cast<Elf64_Verneed*>(b.data() + off);
            uint64_t aoff = off + vn->vn_aux;
            for (int a = 0; a < vn->vn_cnt; ++a) {
                if (aoff + sizeof(Elf64_Vernaux) > b.size()) { err = "vernaux out of range"; return -1; }
                auto* va = reinterpret_cast<Elf64_Vernaux*>(b.data() + aoff);
                uint64_t name = strtab.sh_offset + va->vna_name;
                if (name < b.size() && strncmp(b.data() + name, kVersion, b.size() - name) == 0) {
                    if (va->vna_flags & VER_FLG_WEAK) return 1;
                    va->vna_flags |= VER_FLG_WEAK;
                    return 0;
                }
                if (va->vna_next == 0) break;
                aoff += va->vna_next;
            }
            if (vn->vn_next == 0) break;
            off += vn->vn_next;
        }
    }
    return 2;
}

static int patch_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) { fprintf(stderr, "glibcxx_weak: cannot read %s\n", path.c_str()); return 1; }
    std::vector<char> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    std::string err;
    int r = patch_buffer(b, err);
    if (r < 0) { fprintf(stderr, "glibcxx_weak: %s: %s\n", path.c_str(), err.c_str()); return 1; }
    if (r == 1) { printf("glibcxx_weak: %s already patched\n", path.c_str()); return 0; }
    if (r == 2) { printf("glibcxx_weak: %s needs no %s, left as is\n", path.c_str(), kVersion); return 0; }
    struct stat st{};
    stat(path.c_str(), &st);
    std::string tmp = path + ".glibcxx_weak.tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(b.data(), (std::streamsize)b.size());
        if (!out) { fprintf(stderr, "glibcxx_weak: cannot write %s\n", tmp.c_str()); return 1; }
    }
    chmod(tmp.c_str(), st.st_mode & 07777);
    if (rename(tmp.c_str(), path.c_str()) != 0) { fprintf(stderr, "glibcxx_weak: cannot replace %s\n", path.c_str()); unlink(tmp.c_str()); return 1; }
    printf("glibcxx_weak: %s: marked %s weak\n", path.c_str(), kVersion);
    return 0;
}

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "--check") == 0) return system_has_version() ? 0 : 3;
    bool always = argc >= 2 && strcmp(argv[1], "--always") == 0;
    int first = always ? 2 : 1;
    if (argc <= first) { fprintf(stderr, "usage: glibcxx_weak --check | [--always] FILE.so...\n"); return 2; }
    if (!always && system_has_version()) { printf("glibcxx_weak: system libstdc++ provides %s, nothing to do\n", kVersion); return 0; }
    int rc = 0;
    for (int i = first; i < argc; ++i) rc |= patch_file(argv[i]);
    return rc;
}
