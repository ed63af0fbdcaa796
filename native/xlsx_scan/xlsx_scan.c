/* xlsx_scan: the cells of a chunk of plain sheet XML, found in one pass over its bytes.
 *
 * The upload reader (loaders/upload/sheets.py) reads the plain form of sheet XML that spreadsheet programs write,
 * <row r="2"><c r="A2" t="s"><v>0</v></c>...</row>, with a regular expression per chunk, and hands anything else to
 * a streaming XML parser. Per cell that costs Python objects; this module does the tokenizing in C and leaves every
 * decision to Python:
 *
 *   scan(chunk, max_row, max_col) -> None | (between, rests, cells)
 *       Every '<c ' starts a cell; its address is read from the bytes after '<c r="' (1-3 capitals, 1-7 digits not
 *       starting with 0, a quote; the column and row within max_col and max_row). Its rest runs from after the
 *       quote to the next '<c ', '<row' or '</ro' (or the chunk's end). Returns
 *         between: the non-empty pieces of the chunk between the cells, joined by b"\0" (Python checks them);
 *         rests:   the distinct rests as bytes, in order of first appearance (Python converts each once);
 *         cells:   int32 triples (Excel row from 1, column from 0, index into rests), one per cell in order.
 *       None when a cell's address is not of that shape or range, or the chunk holds no cell: the caller reads the
 *       chunk another way. Nothing is judged here beyond that.
 *
 *   plain_bytes(chunk) -> bool
 *       False if the chunk holds a byte XML 1.0 forbids or that must go through a parser's line-end handling (C0
 *       controls other than tab and line feed, CR included), U+FFFE or U+FFFF, the end of a CDATA section (]]>)
 *       or the word sheetData: the caller then reads the whole sheet with the streaming parser. One pass.
 *
 *   assemble(cells, codes) -> (rows, cols, idx, no_value)
 *       codes: int32 per rest (a text index >= 0, -1 nothing in the cell, -2 a formula without a value).
 *       rows, cols, idx: int32 columns of the cells with a text; no_value: [row from 0, column] of the -2 cells.
 *
 * Memory: every index is checked against the chunk's length before it is read; bytes past the end read as 0 (what
 * the pure-Python and numpy versions did with zero padding). Allocation failures raise MemoryError.
 */
#ifndef SOURCE_SHA256
#define SOURCE_SHA256 "unknown"
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    Py_ssize_t start;   /* the '<' of '<c ' */
    Py_ssize_t rest;    /* first byte after the address's closing quote */
    Py_ssize_t end;     /* the next tag, or the chunk's length */
    int32_t row, col;   /* Excel row (from 1), column (from 1) */
} Cell;

static inline unsigned char at(const unsigned char *b, Py_ssize_t n, Py_ssize_t i) {
    return i < n ? b[i] : 0;
}

/* the tag kinds a rest ends at: '<c ', '<row', '</ro' */
static inline int is_cell_tag(const unsigned char *b, Py_ssize_t n, Py_ssize_t p) {
    return at(b, n, p + 1) == 'c' && at(b, n, p + 2) == ' ';
}

static inline int is_row_tag(const unsigned char *b, Py_ssize_t n, Py_ssize_t p) {
    unsigned char b1 = at(b, n, p + 1), b2 = at(b, n, p + 2), b3 = at(b, n, p + 3);
    return (b1 == 'r' && b2 == 'o' && b3 == 'w') || (b1 == '/' && b2 == 'r' && b3 == 'o');
}

/* the address after '<c r="' at p: 0 and the cell filled, or -1 (not of the shape or out of range) */
static int read_address(const unsigned char *b, Py_ssize_t n, Py_ssize_t p, long max_row, long max_col, Cell *c) {
    if (at(b, n, p + 3) != 'r' || at(b, n, p + 4) != '=' || at(b, n, p + 5) != '"')
        return -1;
    Py_ssize_t q = p + 6;
    int nl = 0, nd = 0;
    long col = 0, row = 0;
    while (nl < 4) {
        unsigned char ch = at(b, n, q + nl);
        if (ch < 'A' || ch > 'Z')
            break;
        col = col * 26 + (ch - 'A' + 1);
        nl++;
    }
    if (nl < 1 || nl > 3 || at(b, n, q + nl) == '0')
        return -1;
    while (nd < 8) {
        unsigned char ch = at(b, n, q + nl + nd);
        if (ch < '0' || ch > '9')
            break;
        row = row * 10 + (ch - '0');
        nd++;
    }
    if (nd < 1 || nd > 7 || at(b, n, q + nl + nd) != '"' || col > max_col || row > max_row)
        return -1;
    c->start = p;
    c->rest = q + nl + nd + 1;
    c->end = n;
    c->row = (int32_t)row;
    c->col = (int32_t)col;
    return 0;
}

static inline uint64_t hash_bytes(const unsigned char *s, Py_ssize_t len, int weak) {
    if (weak)          /* for tests: every rest in one bucket chain, so only the byte comparison tells them apart */
        return 0;
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)len;
    Py_ssize_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 29;
    }
    uint64_t w = 0;
    memcpy(&w, s + i, (size_t)(len - i));
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 32;
    return h;
}

static PyObject *scan(PyObject *self, PyObject *args, PyObject *kwargs) {
    (void)self;
    static char *kwlist[] = {"chunk", "max_row", "max_col", "weak_hash", NULL};
    Py_buffer buf;
    long max_row, max_col;
    int weak = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*ll|p", kwlist, &buf, &max_row, &max_col, &weak))
        return NULL;
    const unsigned char *b = buf.buf;
    const Py_ssize_t n = buf.len;
    PyObject *result = NULL, *between = NULL, *rests = NULL, *cells_out = NULL;
    Cell *cells = NULL;
    Py_ssize_t ncells = 0, cap = 0;
    Py_ssize_t *slots = NULL;      /* hash table of group numbers + 1 (0: empty) */
    Py_ssize_t *group_of = NULL;   /* each cell's group */
    Py_ssize_t *first = NULL;      /* each group's first cell */
    Py_ssize_t ngroups = 0;

    /* 1. the cells and where each rest ends */
    Py_ssize_t open = -1;          /* the cell whose rest has not ended yet */
    const unsigned char *p = b, *stop = b + n;
    while (n > 0 && (p = memchr(p, '<', (size_t)(stop - p))) != NULL) {
        Py_ssize_t i = p - b;
        int cell = is_cell_tag(b, n, i);
        if (cell || is_row_tag(b, n, i)) {
            if (open >= 0) {
                cells[open].end = i;
                open = -1;
            }
            if (cell) {
                if (ncells == cap) {
                    Py_ssize_t grow = cap ? cap * 2 : 1024;
                    Cell *more = PyMem_Realloc(cells, (size_t)grow * sizeof(Cell));
                    if (!more) {
                        PyErr_NoMemory();
                        goto done;
                    }
                    cells = more;
                    cap = grow;
                }
                if (read_address(b, n, i, max_row, max_col, &cells[ncells]) < 0) {
                    result = Py_None;
                    Py_INCREF(result);
                    goto done;
                }
                open = ncells++;
            }
        }
        p++;
    }
    if (ncells == 0) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }

    /* 2. between the cells: the non-empty pieces, joined by \0 */
    Py_ssize_t total = 0, pieces = 0;
    for (Py_ssize_t k = 0; k <= ncells; k++) {
        Py_ssize_t lo = k ? cells[k - 1].end : 0, hi = k < ncells ? cells[k].start : n;
        if (hi > lo) {
            total += hi - lo;
            pieces++;
        }
    }
    between = PyBytes_FromStringAndSize(NULL, total + (pieces ? pieces - 1 : 0));
    if (!between)
        goto done;
    char *w = PyBytes_AS_STRING(between);
    int first_piece = 1;
    for (Py_ssize_t k = 0; k <= ncells; k++) {
        Py_ssize_t lo = k ? cells[k - 1].end : 0, hi = k < ncells ? cells[k].start : n;
        if (hi > lo) {
            if (!first_piece)
                *w++ = '\0';
            memcpy(w, b + lo, (size_t)(hi - lo));
            w += hi - lo;
            first_piece = 0;
        }
    }

    /* 3. the distinct rests: open addressing over a power-of-two table at least twice the cells */
    Py_ssize_t size = 1;
    while (size < 2 * ncells)
        size <<= 1;
    slots = PyMem_Calloc((size_t)size, sizeof(Py_ssize_t));
    group_of = PyMem_Malloc((size_t)ncells * sizeof(Py_ssize_t));
    first = PyMem_Malloc((size_t)ncells * sizeof(Py_ssize_t));
    if (!slots || !group_of || !first) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < ncells; k++) {
        const unsigned char *s = b + cells[k].rest;
        Py_ssize_t len = cells[k].end - cells[k].rest;
        Py_ssize_t slot = (Py_ssize_t)(hash_bytes(s, len, weak) & (uint64_t)(size - 1));
        for (;;) {
            Py_ssize_t g = slots[slot] - 1;
            if (g < 0) {
                slots[slot] = ngroups + 1;
                first[ngroups] = k;
                group_of[k] = ngroups++;
                break;
            }
            const Cell *c = &cells[first[g]];
            if (c->end - c->rest == len && memcmp(b + c->rest, s, (size_t)len) == 0) {
                group_of[k] = g;
                break;
            }
            slot = (slot + 1) & (size - 1);
        }
    }
    rests = PyList_New(ngroups);
    if (!rests)
        goto done;
    for (Py_ssize_t g = 0; g < ngroups; g++) {
        const Cell *c = &cells[first[g]];
        PyObject *r = PyBytes_FromStringAndSize((const char *)b + c->rest, c->end - c->rest);
        if (!r)
            goto done;
        PyList_SET_ITEM(rests, g, r);
    }

    /* 4. the cells: (row, column from 0, group) */
    if (ngroups > INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "too many distinct cells");
        goto done;
    }
    cells_out = PyBytes_FromStringAndSize(NULL, ncells * 3 * (Py_ssize_t)sizeof(int32_t));
    if (!cells_out)
        goto done;
    int32_t *o = (int32_t *)PyBytes_AS_STRING(cells_out);
    for (Py_ssize_t k = 0; k < ncells; k++) {
        o[3 * k] = cells[k].row;
        o[3 * k + 1] = cells[k].col - 1;
        o[3 * k + 2] = (int32_t)group_of[k];
    }
    result = PyTuple_Pack(3, between, rests, cells_out);

done:
    Py_XDECREF(between);
    Py_XDECREF(rests);
    Py_XDECREF(cells_out);
    PyMem_Free(cells);
    PyMem_Free(slots);
    PyMem_Free(group_of);
    PyMem_Free(first);
    PyBuffer_Release(&buf);
    return result;
}

/* what plain_bytes refuses, at b[i] (for sheetData: at its 'D', rarer in sheet XML than its 's') */
static inline int refused_at(const unsigned char *b, size_t n, size_t i) {
    unsigned char c = b[i];
    if (c < 32)
        return c != '\t' && c != '\n';
    if (c == 0xEF)
        return at(b, (Py_ssize_t)n, (Py_ssize_t)i + 1) == 0xBF &&
               (at(b, (Py_ssize_t)n, (Py_ssize_t)i + 2) == 0xBE || at(b, (Py_ssize_t)n, (Py_ssize_t)i + 2) == 0xBF);
    if (c == ']')
        return at(b, (Py_ssize_t)n, (Py_ssize_t)i + 1) == ']' && at(b, (Py_ssize_t)n, (Py_ssize_t)i + 2) == '>';
    if (c == 'D')
        return i >= 5 && i + 4 <= n && memcmp(b + i - 5, "sheetData", 9) == 0;
    return 0;
}

static PyObject *plain_bytes(PyObject *self, PyObject *arg) {
    (void)self;
    Py_buffer buf;
    if (PyObject_GetBuffer(arg, &buf, PyBUF_SIMPLE) < 0)
        return NULL;
    const unsigned char *b = buf.buf;
    const size_t n = (size_t)buf.len;
    int plain = 1;
    size_t i = 0;
    /* blocks of 32 bytes flagged without branches (the compiler vectorises this), then looked at byte by byte */
    for (; i + 32 <= n && plain; i += 32) {
        unsigned flag = 0;
        for (size_t j = 0; j < 32; j++) {
            unsigned char c = b[i + j];
            flag |= (c < 32) | (c == 0xEF) | (c == ']') | (c == 'D');
        }
        if (flag)
            for (size_t j = 0; j < 32 && plain; j++)
                plain = !refused_at(b, n, i + j);
    }
    for (; i < n && plain; i++)
        plain = !refused_at(b, n, i);
    PyBuffer_Release(&buf);
    return PyBool_FromLong(plain);
}

static PyObject *assemble(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer cb, kb;
    if (!PyArg_ParseTuple(args, "y*y*", &cb, &kb))
        return NULL;
    PyObject *result = NULL, *rows = NULL, *cols = NULL, *idx = NULL, *no_value = NULL;
    if (cb.len % (3 * (Py_ssize_t)sizeof(int32_t)) || kb.len % (Py_ssize_t)sizeof(int32_t)) {
        PyErr_SetString(PyExc_ValueError, "cells and codes must be int32 arrays");
        goto done;
    }
    Py_ssize_t ncells = cb.len / (3 * (Py_ssize_t)sizeof(int32_t)), ncodes = kb.len / (Py_ssize_t)sizeof(int32_t);
    int32_t *cells = PyMem_Malloc((size_t)(cb.len ? cb.len : 1)), *codes = PyMem_Malloc((size_t)(kb.len ? kb.len : 1));
    if (!cells || !codes) {
        PyMem_Free(cells);
        PyMem_Free(codes);
        PyErr_NoMemory();
        goto done;
    }
    memcpy(cells, cb.buf, (size_t)cb.len);   /* copies: the buffers may be unaligned */
    memcpy(codes, kb.buf, (size_t)kb.len);
    Py_ssize_t kept = 0;
    for (Py_ssize_t k = 0; k < ncells; k++) {
        int32_t g = cells[3 * k + 2];
        if (g < 0 || g >= ncodes || codes[g] < -2 || cells[3 * k] < 1 || cells[3 * k + 1] < 0) {
            PyErr_SetString(PyExc_ValueError, "cell out of range");
            goto free;
        }
        kept += codes[g] >= 0;
    }
    Py_ssize_t width = (Py_ssize_t)sizeof(int32_t);
    rows = PyBytes_FromStringAndSize(NULL, kept * width);
    cols = PyBytes_FromStringAndSize(NULL, kept * width);
    idx = PyBytes_FromStringAndSize(NULL, kept * width);
    no_value = PyList_New(0);
    if (!rows || !cols || !idx || !no_value)
        goto free;
    int32_t *r = (int32_t *)PyBytes_AS_STRING(rows), *c = (int32_t *)PyBytes_AS_STRING(cols),
            *x = (int32_t *)PyBytes_AS_STRING(idx);
    for (Py_ssize_t k = 0; k < ncells; k++) {
        int32_t code = codes[cells[3 * k + 2]];
        if (code >= 0) {
            *r++ = cells[3 * k];
            *c++ = cells[3 * k + 1];
            *x++ = code;
        } else if (code == -2) {
            PyObject *pair = Py_BuildValue("[ii]", cells[3 * k] - 1, cells[3 * k + 1]);
            if (!pair || PyList_Append(no_value, pair) < 0) {
                Py_XDECREF(pair);
                goto free;
            }
            Py_DECREF(pair);
        }
    }
    result = PyTuple_Pack(4, rows, cols, idx, no_value);
free:
    PyMem_Free(cells);
    PyMem_Free(codes);
done:
    Py_XDECREF(rows);
    Py_XDECREF(cols);
    Py_XDECREF(idx);
    Py_XDECREF(no_value);
    PyBuffer_Release(&cb);
    PyBuffer_Release(&kb);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", (PyCFunction)(void (*)(void))scan, METH_VARARGS | METH_KEYWORDS,
     "scan(chunk, max_row, max_col, weak_hash=False) -> None | (between, rests, cells)"},
    {"plain_bytes", plain_bytes, METH_O, "plain_bytes(chunk) -> bool"},
    {"assemble", assemble, METH_VARARGS, "assemble(cells, codes) -> (rows, cols, idx, no_value)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "xlsx_scan",
                                    "The cells of plain sheet XML, tokenized in C (see xlsx_scan.c).", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_xlsx_scan(void) {
    PyObject *m = PyModule_Create(&module);
    /* the source this was built from (setup.py): a test compares it with xlsx_scan.c to catch a stale build */
    if (m && PyModule_AddStringConstant(m, "SOURCE_SHA256", SOURCE_SHA256) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
