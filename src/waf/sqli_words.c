/*
 * sqli_words.c - the SQLi lexer's word table, its index and the byte
 * classes, built once per process (C11 call_once), and the detector's cheap
 * first pass (mm__waf_sqli_may_match).
 *
 * The word table holds SQL's keywords and functions across the five
 * dialects (each vendor's reference manual: MySQL "Keywords and Reserved
 * Words" and "Built-In Function and Operator Reference", PostgreSQL "SQL Key
 * Words" and "Functions and Operators", Transact-SQL "Reserved Keywords"
 * and "Functions", Oracle "SQL Language Reference", SQLite "SQL Language
 * Keywords" and "Core Functions"), written here for mamori. Rows are sorted
 * (a test checks the order) and looked up through a hash index; a bitmap on
 * (length, first letter, last letter) turns most prose words away with one
 * bit test.
 */
#include "waf/sqli_int.h"

#include <string.h>
#include <threads.h>

static uint8_t cclass_slow(uint8_t c) {
  if (c == ' ' || (c >= '\t' && c <= '\r') || c == 0xA0) return C_SPACE;
  if (c >= '0' && c <= '9') return C_DIGIT;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || c >= 0x80)
    return C_WORD;
  return C_OTHER;
}

typedef struct sqli_word {
  const char *name; /* lowercase */
  uint8_t kind;     /* SK_* the word lexes as */
  uint8_t id;       /* SI_* */
  uint8_t flags;    /* SW_* */
} sqli_word;

static const sqli_word words[] = {
    {"abs", SK_FUNC, SI_NONE, SW_FUNC},
    {"acos", SK_FUNC, SI_NONE, SW_FUNC},
    {"add", SK_KW, SI_OTHER, 0},
    {"all", SK_KW, SI_ALL, 0},
    {"all_tab_columns", SK_WORD, SI_NONE, SW_DANGER},
    {"all_tables", SK_WORD, SI_NONE, SW_DANGER},
    {"alter", SK_KW, SI_ALTER, SW_STMT},
    {"analyze", SK_KW, SI_OTHER, 0},
    {"and", SK_LOGIC, SI_OTHER, 0},
    {"app_name", SK_FUNC, SI_NONE, SW_FUNC},
    {"array_agg", SK_FUNC, SI_NONE, SW_FUNC},
    {"as", SK_KW, SI_OTHER, 0},
    {"asc", SK_KW, SI_OTHER, 0},
    {"ascii", SK_FUNC, SI_NONE, SW_FUNC},
    {"asin", SK_FUNC, SI_NONE, SW_FUNC},
    {"atan", SK_FUNC, SI_NONE, SW_FUNC},
    {"atan2", SK_FUNC, SI_NONE, SW_FUNC},
    {"avg", SK_FUNC, SI_NONE, SW_FUNC},
    {"begin", SK_KW, SI_OTHER, 0},
    {"benchmark", SK_FUNC, SI_NONE, SW_FUNC | SW_TIME | SW_SPACEOK},
    {"between", SK_KW, SI_OTHER, 0},
    {"bin", SK_FUNC, SI_NONE, SW_FUNC},
    {"binary", SK_KW, SI_OTHER, 0},
    {"bit_and", SK_FUNC, SI_NONE, SW_FUNC},
    {"bit_count", SK_FUNC, SI_NONE, SW_FUNC},
    {"bit_length", SK_FUNC, SI_NONE, SW_FUNC},
    {"bit_or", SK_FUNC, SI_NONE, SW_FUNC},
    {"bit_xor", SK_FUNC, SI_NONE, SW_FUNC},
    {"both", SK_KW, SI_OTHER, 0},
    {"by", SK_KW, SI_BY, 0},
    {"call", SK_KW, SI_OTHER, 0},
    {"cascade", SK_KW, SI_OTHER, 0},
    {"case", SK_KW, SI_CASE, 0},
    {"cast", SK_FUNC, SI_NONE, SW_FUNC},
    {"ceil", SK_FUNC, SI_NONE, SW_FUNC},
    {"ceiling", SK_FUNC, SI_NONE, SW_FUNC},
    {"char", SK_FUNC, SI_NONE, SW_FUNC},
    {"char_length", SK_FUNC, SI_NONE, SW_FUNC},
    {"character_length", SK_FUNC, SI_NONE, SW_FUNC},
    {"charindex", SK_FUNC, SI_NONE, SW_FUNC},
    {"check", SK_KW, SI_OTHER, 0},
    {"chr", SK_FUNC, SI_NONE, SW_FUNC},
    {"close", SK_KW, SI_OTHER, 0},
    {"coalesce", SK_FUNC, SI_NONE, SW_FUNC},
    {"col_name", SK_FUNC, SI_NONE, SW_FUNC},
    {"collate", SK_KW, SI_OTHER, 0},
    {"column", SK_KW, SI_OTHER, 0},
    {"commit", SK_KW, SI_OTHER, 0},
    {"concat", SK_FUNC, SI_NONE, SW_FUNC},
    {"concat_ws", SK_FUNC, SI_NONE, SW_FUNC},
    {"constraint", SK_KW, SI_OTHER, 0},
    {"conv", SK_FUNC, SI_NONE, SW_FUNC},
    {"convert", SK_FUNC, SI_NONE, SW_FUNC},
    {"cos", SK_FUNC, SI_NONE, SW_FUNC},
    {"cot", SK_FUNC, SI_NONE, SW_FUNC},
    {"count", SK_FUNC, SI_NONE, SW_FUNC},
    {"crc32", SK_FUNC, SI_NONE, SW_FUNC},
    {"create", SK_KW, SI_CREATE, SW_STMT},
    {"cross", SK_KW, SI_OTHER, 0},
    {"ctxsys", SK_WORD, SI_NONE, SW_DANGER},
    {"curdate", SK_FUNC, SI_NONE, SW_FUNC},
    {"current", SK_KW, SI_OTHER, 0},
    {"current_database", SK_FUNC, SI_NONE, SW_FUNC},
    {"current_date", SK_FUNC, SI_NONE, SW_FUNC},
    {"current_schema", SK_FUNC, SI_NONE, SW_FUNC},
    {"current_setting", SK_FUNC, SI_NONE, SW_FUNC},
    {"current_time", SK_FUNC, SI_NONE, SW_FUNC},
    {"current_timestamp", SK_FUNC, SI_NONE, SW_FUNC},
    {"current_user", SK_FUNC, SI_NONE, SW_FUNC},
    {"cursor", SK_KW, SI_OTHER, 0},
    {"curtime", SK_FUNC, SI_NONE, SW_FUNC},
    {"database", SK_KW, SI_TABLE, 0},
    {"datalength", SK_FUNC, SI_NONE, SW_FUNC},
    {"date", SK_FUNC, SI_NONE, SW_FUNC},
    {"date_add", SK_FUNC, SI_NONE, SW_FUNC},
    {"date_format", SK_FUNC, SI_NONE, SW_FUNC},
    {"date_sub", SK_FUNC, SI_NONE, SW_FUNC},
    {"datediff", SK_FUNC, SI_NONE, SW_FUNC},
    {"day", SK_FUNC, SI_NONE, SW_FUNC},
    {"dayname", SK_FUNC, SI_NONE, SW_FUNC},
    {"db_name", SK_FUNC, SI_NONE, SW_FUNC},
    {"dbms_export_extension", SK_WORD, SI_NONE, SW_DANGER},
    {"dbms_java", SK_WORD, SI_NONE, SW_DANGER},
    {"dbms_lock", SK_WORD, SI_NONE, SW_DANGER},
    {"dbms_pipe", SK_WORD, SI_NONE, SW_DANGER},
    {"dbms_xmlgen", SK_WORD, SI_NONE, SW_DANGER},
    {"dbms_xmlquery", SK_WORD, SI_NONE, SW_DANGER},
    {"deallocate", SK_KW, SI_OTHER, 0},
    {"declare", SK_KW, SI_DECLARE, SW_STMT},
    {"decode", SK_FUNC, SI_NONE, SW_FUNC},
    {"default", SK_KW, SI_OTHER, 0},
    {"degrees", SK_FUNC, SI_NONE, SW_FUNC},
    {"delay", SK_KW, SI_DELAY, 0},
    {"delete", SK_KW, SI_DELETE, SW_STMT},
    {"desc", SK_KW, SI_OTHER, 0},
    {"describe", SK_KW, SI_OTHER, 0},
    {"distinct", SK_KW, SI_DISTINCT, 0},
    {"distinctrow", SK_KW, SI_OTHER, 0},
    {"div", SK_OP, SI_OTHER, 0},
    {"do", SK_KW, SI_OTHER, 0},
    {"drop", SK_KW, SI_DROP, SW_STMT},
    {"dual", SK_KW, SI_OTHER, 0},
    {"dumpfile", SK_KW, SI_OUTFILE, 0},
    {"each", SK_KW, SI_OTHER, 0},
    {"else", SK_KW, SI_OTHER, 0},
    {"elseif", SK_KW, SI_OTHER, 0},
    {"elt", SK_FUNC, SI_NONE, SW_FUNC},
    {"encode", SK_FUNC, SI_NONE, SW_FUNC},
    {"encrypt", SK_FUNC, SI_NONE, SW_FUNC},
    {"end", SK_KW, SI_OTHER, 0},
    {"escape", SK_KW, SI_OTHER, 0},
    {"except", SK_KW, SI_OTHER, 0},
    {"exec", SK_KW, SI_EXEC, SW_STMT},
    {"execute", SK_KW, SI_EXEC, SW_STMT},
    {"exists", SK_KW, SI_OTHER, 0},
    {"exp", SK_FUNC, SI_NONE, SW_FUNC},
    {"explain", SK_KW, SI_OTHER, 0},
    {"export_set", SK_FUNC, SI_NONE, SW_FUNC},
    {"extractvalue", SK_FUNC, SI_NONE, SW_FUNC | SW_DANGER},
    {"false", SK_NUM, SI_NONE, SW_VALUE},
    {"fetch", SK_KW, SI_OTHER, 0},
    {"field", SK_FUNC, SI_NONE, SW_FUNC},
    {"find_in_set", SK_FUNC, SI_NONE, SW_FUNC},
    {"floor", SK_FUNC, SI_NONE, SW_FUNC},
    {"for", SK_KW, SI_OTHER, 0},
    {"foreign", SK_KW, SI_OTHER, 0},
    {"format", SK_FUNC, SI_NONE, SW_FUNC},
    {"from", SK_KW, SI_FROM, SW_CLAUSE},
    {"from_base64", SK_FUNC, SI_NONE, SW_FUNC},
    {"from_unixtime", SK_FUNC, SI_NONE, SW_FUNC},
    {"full", SK_KW, SI_OTHER, 0},
    {"function", SK_KW, SI_TABLE, 0},
    {"geometrycollection", SK_FUNC, SI_NONE, SW_FUNC},
    {"get_host_address", SK_FUNC, SI_NONE, SW_FUNC | SW_DANGER},
    {"get_host_name", SK_FUNC, SI_NONE, SW_FUNC | SW_DANGER},
    {"glob", SK_CMP, SI_OTHER, 0},
    {"go", SK_KW, SI_OTHER, 0},
    {"grant", SK_KW, SI_OTHER, 0},
    {"greatest", SK_FUNC, SI_NONE, SW_FUNC},
    {"group", SK_KW, SI_GROUP, SW_CLAUSE},
    {"group_concat", SK_FUNC, SI_NONE, SW_FUNC},
    {"gtid_subset", SK_FUNC, SI_NONE, SW_FUNC},
    {"gtid_subtract", SK_FUNC, SI_NONE, SW_FUNC},
    {"handler", SK_KW, SI_OTHER, 0},
    {"has_dbaccess", SK_FUNC, SI_NONE, SW_FUNC},
    {"having", SK_KW, SI_HAVING, SW_CLAUSE},
    {"hex", SK_FUNC, SI_NONE, SW_FUNC},
    {"host_name", SK_FUNC, SI_NONE, SW_FUNC},
    {"hour", SK_FUNC, SI_NONE, SW_FUNC},
    {"identified", SK_KW, SI_OTHER, 0},
    {"if", SK_FUNC, SI_IF, SW_FUNC},
    {"ifnull", SK_FUNC, SI_NONE, SW_FUNC},
    {"ignore", SK_KW, SI_OTHER, 0},
    {"iif", SK_FUNC, SI_IF, SW_FUNC},
    {"ilike", SK_CMP, SI_OTHER, 0},
    {"in", SK_CMP, SI_OTHER, 0},
    {"index", SK_KW, SI_OTHER, 0},
    {"inet_aton", SK_FUNC, SI_NONE, SW_FUNC},
    {"inet_ntoa", SK_FUNC, SI_NONE, SW_FUNC},
    {"inet_server_addr", SK_FUNC, SI_NONE, SW_FUNC},
    {"information_schema", SK_WORD, SI_NONE, SW_DANGER},
    {"inner", SK_KW, SI_OTHER, 0},
    {"insert", SK_KW, SI_INSERT, SW_STMT},
    {"instr", SK_FUNC, SI_NONE, SW_FUNC},
    {"instrb", SK_FUNC, SI_NONE, SW_FUNC},
    {"intersect", SK_KW, SI_OTHER, 0},
    {"into", SK_KW, SI_INTO, SW_CLAUSE},
    {"is", SK_CMP, SI_OTHER, 0},
    {"is_member", SK_FUNC, SI_NONE, SW_FUNC},
    {"is_srvrolemember", SK_FUNC, SI_NONE, SW_FUNC},
    {"isnull", SK_FUNC, SI_NONE, SW_FUNC},
    {"join", SK_KW, SI_OTHER, 0},
    {"json_array", SK_FUNC, SI_NONE, SW_FUNC},
    {"json_extract", SK_FUNC, SI_NONE, SW_FUNC},
    {"json_keys", SK_FUNC, SI_NONE, SW_FUNC},
    {"json_object", SK_FUNC, SI_NONE, SW_FUNC},
    {"key", SK_KW, SI_OTHER, 0},
    {"kill", SK_KW, SI_OTHER, 0},
    {"last_insert_id", SK_FUNC, SI_NONE, SW_FUNC},
    {"lcase", SK_FUNC, SI_NONE, SW_FUNC},
    {"leading", SK_KW, SI_OTHER, 0},
    {"least", SK_FUNC, SI_NONE, SW_FUNC},
    {"left", SK_FUNC, SI_NONE, SW_FUNC},
    {"len", SK_FUNC, SI_NONE, SW_FUNC},
    {"length", SK_FUNC, SI_NONE, SW_FUNC},
    {"lengthb", SK_FUNC, SI_NONE, SW_FUNC},
    {"like", SK_CMP, SI_OTHER, 0},
    {"limit", SK_KW, SI_LIMIT, SW_CLAUSE},
    {"linestring", SK_FUNC, SI_NONE, SW_FUNC},
    {"ln", SK_FUNC, SI_NONE, SW_FUNC},
    {"lo_export", SK_FUNC, SI_NONE, SW_FUNC | SW_DANGER},
    {"lo_import", SK_FUNC, SI_NONE, SW_FUNC | SW_DANGER},
    {"load", SK_KW, SI_OTHER, 0},
    {"load_file", SK_FUNC, SI_NONE, SW_FUNC | SW_DANGER},
    {"locate", SK_FUNC, SI_NONE, SW_FUNC},
    {"lock", SK_KW, SI_OTHER, 0},
    {"log", SK_FUNC, SI_NONE, SW_FUNC},
    {"log10", SK_FUNC, SI_NONE, SW_FUNC},
    {"log2", SK_FUNC, SI_NONE, SW_FUNC},
    {"login", SK_KW, SI_TABLE, 0},
    {"loop", SK_KW, SI_OTHER, 0},
    {"lower", SK_FUNC, SI_NONE, SW_FUNC},
    {"lpad", SK_FUNC, SI_NONE, SW_FUNC},
    {"ltrim", SK_FUNC, SI_NONE, SW_FUNC},
    {"make_set", SK_FUNC, SI_NONE, SW_FUNC},
    {"match", SK_CMP, SI_OTHER, 0},
    {"max", SK_FUNC, SI_NONE, SW_FUNC},
    {"md5", SK_FUNC, SI_NONE, SW_FUNC},
    {"merge", SK_KW, SI_OTHER, 0},
    {"mid", SK_FUNC, SI_NONE, SW_FUNC},
    {"min", SK_FUNC, SI_NONE, SW_FUNC},
    {"minus", SK_KW, SI_OTHER, 0},
    {"minute", SK_FUNC, SI_NONE, SW_FUNC},
    {"mod", SK_OP, SI_OTHER, 0},
    {"month", SK_FUNC, SI_NONE, SW_FUNC},
    {"monthname", SK_FUNC, SI_NONE, SW_FUNC},
    {"msysobjects", SK_WORD, SI_NONE, SW_DANGER},
    {"multilinestring", SK_FUNC, SI_NONE, SW_FUNC},
    {"multipoint", SK_FUNC, SI_NONE, SW_FUNC},
    {"multipolygon", SK_FUNC, SI_NONE, SW_FUNC},
    {"name_const", SK_FUNC, SI_NONE, SW_FUNC | SW_DANGER},
    {"natural", SK_KW, SI_OTHER, 0},
    {"nchar", SK_FUNC, SI_NONE, SW_FUNC},
    {"not", SK_NOT, SI_OTHER, 0},
    {"now", SK_FUNC, SI_NONE, SW_FUNC},
    {"nowait", SK_KW, SI_OTHER, 0},
    {"null", SK_NUM, SI_NONE, SW_VALUE},
    {"nullif", SK_FUNC, SI_NONE, SW_FUNC},
    {"nvl", SK_FUNC, SI_NONE, SW_FUNC},
    {"nvl2", SK_FUNC, SI_NONE, SW_FUNC},
    {"object_id", SK_FUNC, SI_NONE, SW_FUNC},
    {"object_name", SK_FUNC, SI_NONE, SW_FUNC},
    {"oct", SK_FUNC, SI_NONE, SW_FUNC},
    {"octet_length", SK_FUNC, SI_NONE, SW_FUNC},
    {"offset", SK_KW, SI_OTHER, 0},
    {"on", SK_KW, SI_OTHER, 0},
    {"open", SK_KW, SI_OTHER, 0},
    {"opendatasource", SK_FUNC, SI_NONE, SW_FUNC | SW_DANGER},
    {"openrowset", SK_FUNC, SI_NONE, SW_FUNC | SW_DANGER},
    {"or", SK_LOGIC, SI_OTHER, 0},
    {"ord", SK_FUNC, SI_NONE, SW_FUNC},
    {"order", SK_KW, SI_ORDER, SW_CLAUSE},
    {"outer", SK_KW, SI_OTHER, 0},
    {"outfile", SK_KW, SI_OUTFILE, 0},
    {"password", SK_FUNC, SI_NONE, SW_FUNC},
    {"pg_backend_pid", SK_FUNC, SI_NONE, SW_FUNC},
    {"pg_catalog", SK_WORD, SI_NONE, SW_DANGER},
    {"pg_database", SK_WORD, SI_NONE, SW_DANGER},
    {"pg_ls_dir", SK_FUNC, SI_NONE, SW_FUNC | SW_DANGER},
    {"pg_read_binary_file", SK_FUNC, SI_NONE, SW_FUNC | SW_DANGER},
    {"pg_read_file", SK_FUNC, SI_NONE, SW_FUNC | SW_DANGER},
    {"pg_shadow", SK_WORD, SI_NONE, SW_DANGER},
    {"pg_sleep", SK_FUNC, SI_NONE, SW_FUNC | SW_TIME | SW_SPACEOK},
    {"pg_tables", SK_WORD, SI_NONE, SW_DANGER},
    {"pg_user", SK_WORD, SI_NONE, SW_DANGER},
    {"pi", SK_FUNC, SI_NONE, SW_FUNC},
    {"pivot", SK_KW, SI_OTHER, 0},
    {"polygon", SK_FUNC, SI_NONE, SW_FUNC},
    {"position", SK_FUNC, SI_NONE, SW_FUNC},
    {"pow", SK_FUNC, SI_NONE, SW_FUNC},
    {"power", SK_FUNC, SI_NONE, SW_FUNC},
    {"prepare", SK_KW, SI_OTHER, 0},
    {"primary", SK_KW, SI_OTHER, 0},
    {"procedure", SK_KW, SI_PROCEDURE, SW_CLAUSE},
    {"quarter", SK_FUNC, SI_NONE, SW_FUNC},
    {"quote", SK_FUNC, SI_NONE, SW_FUNC},
    {"quotename", SK_FUNC, SI_NONE, SW_FUNC},
    {"radians", SK_FUNC, SI_NONE, SW_FUNC},
    {"rand", SK_FUNC, SI_NONE, SW_FUNC},
    {"randomblob", SK_FUNC, SI_NONE, SW_FUNC | SW_TIME},
    {"rawtohex", SK_FUNC, SI_NONE, SW_FUNC},
    {"read", SK_KW, SI_OTHER, 0},
    {"receive_message", SK_FUNC, SI_NONE, SW_FUNC | SW_TIME | SW_SPACEOK},
    {"references", SK_KW, SI_OTHER, 0},
    {"regexp", SK_CMP, SI_OTHER, 0},
    {"regexp_like", SK_FUNC, SI_NONE, SW_FUNC},
    {"regexp_replace", SK_FUNC, SI_NONE, SW_FUNC},
    {"regexp_substr", SK_FUNC, SI_NONE, SW_FUNC},
    {"release", SK_KW, SI_OTHER, 0},
    {"rename", SK_KW, SI_OTHER, 0},
    {"repeat", SK_FUNC, SI_NONE, SW_FUNC},
    {"replace", SK_KW, SI_OTHER, 0},
    {"return", SK_KW, SI_OTHER, 0},
    {"returns", SK_KW, SI_OTHER, 0},
    {"reverse", SK_FUNC, SI_NONE, SW_FUNC},
    {"revoke", SK_KW, SI_OTHER, 0},
    {"right", SK_FUNC, SI_NONE, SW_FUNC},
    {"rlike", SK_CMP, SI_OTHER, 0},
    {"rollback", SK_KW, SI_OTHER, 0},
    {"round", SK_FUNC, SI_NONE, SW_FUNC},
    {"row", SK_KW, SI_OTHER, 0},
    {"row_count", SK_FUNC, SI_NONE, SW_FUNC},
    {"rownum", SK_FUNC, SI_NONE, SW_FUNC},
    {"rows", SK_KW, SI_OTHER, 0},
    {"rpad", SK_FUNC, SI_NONE, SW_FUNC},
    {"rtrim", SK_FUNC, SI_NONE, SW_FUNC},
    {"savepoint", SK_KW, SI_OTHER, 0},
    {"schema", SK_KW, SI_TABLE, 0},
    {"schema_name", SK_FUNC, SI_NONE, SW_FUNC},
    {"sec_to_time", SK_FUNC, SI_NONE, SW_FUNC},
    {"second", SK_FUNC, SI_NONE, SW_FUNC},
    {"select", SK_KW, SI_SELECT, SW_STMT},
    {"serverproperty", SK_FUNC, SI_NONE, SW_FUNC},
    {"session_user", SK_FUNC, SI_NONE, SW_FUNC},
    {"set", SK_KW, SI_SET, SW_STMT},
    {"sha", SK_FUNC, SI_NONE, SW_FUNC},
    {"sha1", SK_FUNC, SI_NONE, SW_FUNC},
    {"sha2", SK_FUNC, SI_NONE, SW_FUNC},
    {"show", SK_KW, SI_OTHER, 0},
    {"shutdown", SK_KW, SI_SHUTDOWN, SW_STMT},
    {"sign", SK_FUNC, SI_NONE, SW_FUNC},
    {"similar", SK_CMP, SI_OTHER, 0},
    {"sin", SK_FUNC, SI_NONE, SW_FUNC},
    {"sleep", SK_FUNC, SI_NONE, SW_FUNC | SW_TIME | SW_SPACEOK},
    {"soundex", SK_FUNC, SI_NONE, SW_FUNC},
    {"sounds", SK_CMP, SI_OTHER, 0},
    {"sp_addlogin", SK_WORD, SI_NONE, SW_DANGER},
    {"sp_addsrvrolemember", SK_WORD, SI_NONE, SW_DANGER},
    {"sp_configure", SK_WORD, SI_NONE, SW_DANGER},
    {"sp_executesql", SK_WORD, SI_NONE, SW_DANGER},
    {"sp_makewebtask", SK_WORD, SI_NONE, SW_DANGER},
    {"sp_oacreate", SK_WORD, SI_NONE, SW_DANGER},
    {"sp_oamethod", SK_WORD, SI_NONE, SW_DANGER},
    {"sp_password", SK_WORD, SI_NONE, SW_DANGER},
    {"space", SK_FUNC, SI_NONE, SW_FUNC},
    {"sqlite_master", SK_WORD, SI_NONE, SW_DANGER},
    {"sqlite_temp_master", SK_WORD, SI_NONE, SW_DANGER},
    {"sqlite_version", SK_FUNC, SI_NONE, SW_FUNC},
    {"sqrt", SK_FUNC, SI_NONE, SW_FUNC},
    {"st_latfromgeohash", SK_FUNC, SI_NONE, SW_FUNC},
    {"std", SK_FUNC, SI_NONE, SW_FUNC},
    {"stddev", SK_FUNC, SI_NONE, SW_FUNC},
    {"str", SK_FUNC, SI_NONE, SW_FUNC},
    {"straight_join", SK_KW, SI_OTHER, 0},
    {"strcmp", SK_FUNC, SI_NONE, SW_FUNC},
    {"string_agg", SK_FUNC, SI_NONE, SW_FUNC},
    {"stuff", SK_FUNC, SI_NONE, SW_FUNC},
    {"substr", SK_FUNC, SI_NONE, SW_FUNC},
    {"substrb", SK_FUNC, SI_NONE, SW_FUNC},
    {"substring", SK_FUNC, SI_NONE, SW_FUNC},
    {"substring_index", SK_FUNC, SI_NONE, SW_FUNC},
    {"sum", SK_FUNC, SI_NONE, SW_FUNC},
    {"suser_name", SK_FUNC, SI_NONE, SW_FUNC},
    {"suser_sname", SK_FUNC, SI_NONE, SW_FUNC},
    {"sys_context", SK_FUNC, SI_NONE, SW_FUNC},
    {"sys_eval", SK_FUNC, SI_NONE, SW_FUNC | SW_DANGER},
    {"sys_exec", SK_FUNC, SI_NONE, SW_FUNC | SW_DANGER},
    {"syscat", SK_WORD, SI_NONE, SW_DANGER},
    {"syscolumns", SK_WORD, SI_NONE, SW_DANGER},
    {"sysdatabases", SK_WORD, SI_NONE, SW_DANGER},
    {"sysibm", SK_WORD, SI_NONE, SW_DANGER},
    {"sysobjects", SK_WORD, SI_NONE, SW_DANGER},
    {"sysprocesses", SK_WORD, SI_NONE, SW_DANGER},
    {"systables", SK_WORD, SI_NONE, SW_DANGER},
    {"system_user", SK_FUNC, SI_NONE, SW_FUNC},
    {"sysusers", SK_WORD, SI_NONE, SW_DANGER},
    {"table", SK_KW, SI_TABLE, 0},
    {"tablespace", SK_KW, SI_TABLE, 0},
    {"tan", SK_FUNC, SI_NONE, SW_FUNC},
    {"then", SK_KW, SI_THEN, 0},
    {"time", SK_KW, SI_TIME, 0},
    {"time_format", SK_FUNC, SI_NONE, SW_FUNC},
    {"time_to_sec", SK_FUNC, SI_NONE, SW_FUNC},
    {"to_base64", SK_FUNC, SI_NONE, SW_FUNC},
    {"to_char", SK_FUNC, SI_NONE, SW_FUNC},
    {"to_hex", SK_FUNC, SI_NONE, SW_FUNC},
    {"to_number", SK_FUNC, SI_NONE, SW_FUNC},
    {"top", SK_KW, SI_OTHER, 0},
    {"trailing", SK_KW, SI_OTHER, 0},
    {"trigger", SK_KW, SI_TABLE, 0},
    {"trim", SK_FUNC, SI_NONE, SW_FUNC},
    {"true", SK_NUM, SI_NONE, SW_VALUE},
    {"truncate", SK_KW, SI_TRUNCATE, SW_STMT},
    {"typeof", SK_FUNC, SI_NONE, SW_FUNC},
    {"ucase", SK_FUNC, SI_NONE, SW_FUNC},
    {"unhex", SK_FUNC, SI_NONE, SW_FUNC},
    {"unicode", SK_FUNC, SI_NONE, SW_FUNC},
    {"union", SK_KW, SI_UNION, SW_CLAUSE},
    {"unique", SK_KW, SI_OTHER, 0},
    {"unistr", SK_FUNC, SI_NONE, SW_FUNC},
    {"unknown", SK_NUM, SI_NONE, SW_VALUE},
    {"unlock", SK_KW, SI_OTHER, 0},
    {"update", SK_KW, SI_UPDATE, SW_STMT},
    {"updatexml", SK_FUNC, SI_NONE, SW_FUNC | SW_DANGER},
    {"upper", SK_FUNC, SI_NONE, SW_FUNC},
    {"use", SK_KW, SI_OTHER, 0},
    {"user", SK_FUNC, SI_NONE, SW_FUNC},
    {"user_name", SK_FUNC, SI_NONE, SW_FUNC},
    {"user_tab_columns", SK_WORD, SI_NONE, SW_DANGER},
    {"user_tables", SK_WORD, SI_NONE, SW_DANGER},
    {"using", SK_KW, SI_OTHER, 0},
    {"utl_file", SK_WORD, SI_NONE, SW_DANGER},
    {"utl_http", SK_WORD, SI_NONE, SW_DANGER},
    {"utl_inaddr", SK_WORD, SI_NONE, SW_DANGER},
    {"utl_raw", SK_FUNC, SI_NONE, SW_FUNC},
    {"uuid", SK_FUNC, SI_NONE, SW_FUNC},
    {"uuid_to_bin", SK_FUNC, SI_NONE, SW_FUNC},
    {"values", SK_KW, SI_VALUES, 0},
    {"varchar", SK_KW, SI_OTHER, 0},
    {"version", SK_FUNC, SI_NONE, SW_FUNC},
    {"view", SK_KW, SI_TABLE, 0},
    {"waitfor", SK_KW, SI_WAITFOR, SW_STMT},
    {"week", SK_FUNC, SI_NONE, SW_FUNC},
    {"weekday", SK_FUNC, SI_NONE, SW_FUNC},
    {"when", SK_KW, SI_WHEN, 0},
    {"where", SK_KW, SI_WHERE, SW_CLAUSE},
    {"while", SK_KW, SI_OTHER, 0},
    {"with", SK_KW, SI_OTHER, 0},
    {"within", SK_KW, SI_OTHER, 0},
    {"xmlagg", SK_FUNC, SI_NONE, SW_FUNC},
    {"xmlelement", SK_FUNC, SI_NONE, SW_FUNC},
    {"xor", SK_LOGIC, SI_OTHER, 0},
    {"xp_cmdshell", SK_WORD, SI_NONE, SW_DANGER},
    {"xp_dirtree", SK_WORD, SI_NONE, SW_DANGER},
    {"xp_fileexist", SK_WORD, SI_NONE, SW_DANGER},
    {"xp_regread", SK_WORD, SI_NONE, SW_DANGER},
    {"xp_servicecontrol", SK_WORD, SI_NONE, SW_DANGER},
    {"year", SK_FUNC, SI_NONE, SW_FUNC},
    {"zeroblob", SK_FUNC, SI_NONE, SW_FUNC},
};

#define NWORDS   (sizeof words / sizeof words[0])
#define MAX_WORD 24 /* longer than any row: such a word is not in the table */

bool mm__waf_sqli_table_sorted(void) {
  for (size_t i = 1; i < NWORDS; i++)
    if (strcmp(words[i - 1].name, words[i].name) >= 0) return false;
  return true;
}

/* The table's hash index, built once (C11 call_once): FNV-1a of the
 * lowercased word, open addressing. A word costs one hash and, mostly, one
 * compare instead of a binary search's nine. */
#define SLOTS 1024           /* a power of two, over twice the rows */
static uint16_t slot[SLOTS]; /* row + 1, 0 when empty */
static uint8_t row_len[NWORDS];
uint8_t mm__waf_sqli_cls[256]; /* C_* of each byte */
/* One bit per (length, first letter, last letter) of the table's words: most
 * words of a benign value are turned away by one bit test. */
static uint64_t shape_bits[(32 * 32 * 32) / 64];
/* The same for the words a shape can be anchored on (AND, UNION, SELECT,
 * statements, names only attackers use ...): mm__waf_sqli_may_match(). */
static uint64_t anchor_bits[(32 * 32 * 32) / 64];
static once_flag built = ONCE_FLAG_INIT;

static uint32_t hash_word(const char *w, size_t len) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)w[i]) * 16777619u;
  return h;
}

static uint32_t word_shape(const uint8_t *w, size_t len) {
  return (uint32_t)(((len & 31) << 10) | ((w[0] & 31u) << 5) | (w[len - 1] & 31u));
}

/* Words some shape starts from, or needs without a "(" after them. */
static bool is_anchor(const sqli_word *w) {
  if (w->kind == SK_LOGIC || (w->flags & (SW_STMT | SW_DANGER))) return true;
  if (w->kind != SK_KW) return false;
  switch (w->id) {
    case SI_UNION:
    case SI_SELECT:
    case SI_WAITFOR:
    case SI_INTO:
    case SI_ORDER:
    case SI_GROUP:
    case SI_HAVING:
    case SI_CASE:
      return true;
    default:
      return false;
  }
}

static void build(void) {
  for (size_t i = 0; i < NWORDS; i++) {
    size_t len = strlen(words[i].name);
    row_len[i] = (uint8_t)len;
    uint32_t h = hash_word(words[i].name, len) & (SLOTS - 1);
    while (slot[h]) h = (h + 1) & (SLOTS - 1);
    slot[h] = (uint16_t)(i + 1);
    uint32_t k = word_shape((const uint8_t *)words[i].name, len);
    shape_bits[k / 64] |= (uint64_t)1 << (k % 64);
    if (is_anchor(&words[i])) anchor_bits[k / 64] |= (uint64_t)1 << (k % 64);
  }
  for (int c = 0; c < 256; c++) mm__waf_sqli_cls[c] = cclass_slow((uint8_t)c);
}

void mm__waf_sqli_init(void) { call_once(&built, build); }

bool mm__waf_sqli_may_match(const uint8_t *s, size_t n) {
  mm__waf_sqli_init();
  for (size_t i = 0; i < n;) {
    uint8_t c = s[i];
    switch (c) { /* bytes that start or make an anchor: quotes, ;, @, calls, && ||, /\*! */
      case '\'':
      case '"':
      case ';':
      case '@':
      case '(':
      case '|':
      case '&':
      case '/':
      case '`':
        return true;
      default:
        break;
    }
    if (mm__waf_sqli_cls[c] != C_WORD) {
      i++;
      continue;
    }
    size_t j = i;
    while (j < n && (mm__waf_sqli_cls[s[j]] == C_WORD || mm__waf_sqli_cls[s[j]] == C_DIGIT)) j++;
    if (j - i <= MAX_WORD) {
      uint32_t k = word_shape(s + i, j - i);
      if (anchor_bits[k / 64] & ((uint64_t)1 << (k % 64))) return true;
    }
    i = j;
  }
  return false;
}

bool mm__waf_sqli_word(const uint8_t *w, size_t len, uint8_t *kind, uint8_t *id, uint8_t *flags) {
  char low[MAX_WORD];
  if (len == 0 || len > MAX_WORD) return false;
  uint32_t k = word_shape(w, len); /* & 31 folds ASCII case */
  if (!(shape_bits[k / 64] & ((uint64_t)1 << (k % 64)))) return false;
  for (size_t i = 0; i < len; i++) {
    uint8_t c = w[i];
    low[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
  }
  for (uint32_t h = hash_word(low, len) & (SLOTS - 1); slot[h]; h = (h + 1) & (SLOTS - 1)) {
    size_t r = slot[h] - 1u;
    if (row_len[r] == len && memcmp(words[r].name, low, len) == 0) {
      *kind = words[r].kind;
      *id = words[r].id;
      *flags = words[r].flags;
      return true;
    }
  }
  return false;
}
