#include "support.hpp"

#include "resolver/pg/migrations.hpp"

#include <hiredis/hiredis.h>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

extern char** environ;

namespace volley::resolver::test {

std::string require_env(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') {
        FAIL(name << " is not set: this test needs a real server. Run it through scripts/test, "
                     "or `source scripts/services.sh && volley_start_postgres && "
                     "volley_start_redis` first.");
    }
    return v;
}

std::string unique_name(const std::string& prefix) {
    static std::atomic<int> counter{0};
    return prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

Expected expected_from_parents(const std::vector<EntityRow>& rows) {
    std::unordered_map<std::string, std::string> parent;
    for (const auto& r : rows) parent[r.entity_id] = r.parent_id;
    Expected e;
    for (const auto& r : rows) {
        std::vector<std::string> chain;
        for (std::string p = r.parent_id; !p.empty(); p = parent.at(p)) {
            chain.push_back(p);
            e.counts[p] += 1;
        }
        std::reverse(chain.begin(), chain.end());
        e.ancestors[r.entity_id] = std::move(chain);
        e.counts.try_emplace(r.entity_id, 0);
    }
    return e;
}

void check_sample(Resolver& r, const Expected& e, const std::vector<std::string>& ids, Tier tier) {
    for (const auto& id : ids) {
        INFO("id " << id << ", expected tier " << tier_label(tier));
        auto a = r.ancestors(id);
        REQUIRE(a.status == Status::ok);
        CHECK(a.served_by == tier);
        CHECK(a.value->ids == e.ancestors.at(id));
        auto c = r.descendant_count(id);
        REQUIRE(c.status == Status::ok);
        CHECK(c.served_by == tier);
        CHECK(c.value == e.counts.at(id));
    }
}

std::vector<std::string> sample_ids(const std::vector<EntityRow>& rows, std::size_t n,
                                    unsigned seed) {
    std::vector<std::string> ids;
    ids.reserve(rows.size());
    for (const auto& r : rows) ids.push_back(r.entity_id);
    std::mt19937 rng(seed);
    std::shuffle(ids.begin() + 1, ids.end(), rng);
    ids.resize(std::min(n, ids.size()));
    return ids;
}

ResolverConfig pg_test_config(const PgSchema& schema, const std::string& redis_url) {
    ResolverConfig cfg;
    cfg.backend = ResolverConfig::Backend::postgres;
    cfg.postgres_url = schema.options.url;
    cfg.postgres_schema = schema.options.schema;
    cfg.pg_migrate = false;
    cfg.redis_url = redis_url;
    if (redis_url.empty()) cfg.l2 = ResolverConfig::L2Mode::off;
    cfg.pg_query_timeout = std::chrono::milliseconds(5000);
    cfg.resolver.request_timeout = std::chrono::milliseconds(10'000);
    cfg.generation_poll = std::chrono::milliseconds(0);
    return cfg;
}

PgSchema::PgSchema(const std::string& url) {
    options.url = url;
    options.schema = unique_name("volley_test");
    options.query_timeout = std::chrono::milliseconds(5000);
    pg_migrate(options);
}

PgSchema::~PgSchema() {
    try {
        pg_drop_schema(options);
    } catch (...) {}
}

int run_shell(const std::string& command) {
    const int rc = std::system(command.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    (void)::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

namespace {

std::string make_temp_dir(const char* pattern) {
    std::string tmpl = std::string("/tmp/") + pattern;
    if (::mkdtemp(tmpl.data()) == nullptr) FAIL("mkdtemp failed");
    return tmpl;
}

bool redis_answers(int port) {
    timeval tv{0, 200'000};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port, tv);
    bool ok = false;
    if (c != nullptr && c->err == 0) {
        auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
        ok = r != nullptr && r->type == REDIS_REPLY_STATUS;
        if (r != nullptr) freeReplyObject(r);
    }
    if (c != nullptr) redisFree(c);
    return ok;
}

}  // namespace

RedisProcess::RedisProcess() : port_(free_port()), dir_(make_temp_dir("volley-test-redis.XXXXXX")) {
    start();
}

RedisProcess::~RedisProcess() {
    stop();
    run_shell("rm -rf '" + dir_ + "'");
}

void RedisProcess::start() {
    if (pid_ > 0) return;
    const std::string port = std::to_string(port_);
    std::vector<std::string> args = {
        "redis-server", "--bind", "127.0.0.1", "--port", port,        "--save",           "",
        "--appendonly", "no",     "--dir",     dir_,     "--logfile", dir_ + "/redis.log"};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawnp(&pid, "redis-server", nullptr, nullptr, argv.data(), environ) != 0)
        FAIL("cannot spawn redis-server (is the redis-server package installed?)");
    pid_ = pid;
    for (int i = 0; i < 200; ++i) {
        if (redis_answers(port_)) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    FAIL("redis-server did not answer on port " << port_ << ", see " << dir_ << "/redis.log");
}

void RedisProcess::stop() { end_with(SIGTERM); }

void RedisProcess::kill() { end_with(SIGKILL); }

void RedisProcess::end_with(int signal) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

std::string RedisProcess::url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

std::string PostgresProcess::pg(const std::string& tool) const {
    const std::string bin = "/usr/lib/postgresql/15/bin/" + tool;
    return ::geteuid() == 0 ? "runuser -u postgres -- " + bin : bin;
}

PostgresProcess::PostgresProcess()
    : dir_(make_temp_dir("volley-test-pg.XXXXXX")), port_(free_port()) {
    if (::geteuid() == 0) {
        const passwd* pw = ::getpwnam("postgres");
        if (pw == nullptr) FAIL("running as root but there is no `postgres` user");
        if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) FAIL("chown " << dir_ << " failed");
    }
    if (run_shell(pg("initdb") + " -D " + dir_ +
                  "/data -U postgres --auth=trust --no-sync -E UTF8 "
                  "--locale=C >" +
                  dir_ + "/initdb.log 2>&1") != 0)
        FAIL("initdb failed, see " << dir_ << "/initdb.log");
    start();
    if (run_shell(pg("createdb") + " -h 127.0.0.1 -p " + std::to_string(port_) +
                  " -U postgres volley") != 0)
        FAIL("createdb failed");
}

PostgresProcess::~PostgresProcess() {
    run_shell(pg("pg_ctl") + " -D " + dir_ + "/data -m immediate -w stop >/dev/null 2>&1");
    run_shell("rm -rf '" + dir_ + "'");
}

void PostgresProcess::start() {
    const std::string opts = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) + " -k " +
                             dir_ + " -c fsync=off -c synchronous_commit=off";
    if (run_shell(pg("pg_ctl") + " -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 60 -o '" +
                  opts + "' start >/dev/null") != 0)
        FAIL("pg_ctl start failed, see " << dir_ << "/server.log");
}

void PostgresProcess::stop() {
    if (run_shell(pg("pg_ctl") + " -D " + dir_ + "/data -m fast -w -t 60 stop >/dev/null") != 0)
        FAIL("pg_ctl stop failed");
}

void PostgresProcess::crash() {
    if (run_shell(pg("pg_ctl") + " -D " + dir_ + "/data -m immediate -w -t 60 stop >/dev/null") !=
        0)
        FAIL("pg_ctl stop -m immediate failed");
}

std::string PostgresProcess::url() const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/volley";
}

}  // namespace volley::resolver::test
