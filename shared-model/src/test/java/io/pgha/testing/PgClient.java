package io.pgha.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Plain JDBC to a PostgreSQL (on loopback unless a host is given), for assertions on real data. */
public record PgClient(String host, int port, String user, String password) {

    public PgClient(int port, String user, String password) {
        this("127.0.0.1", port, user, password);
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port
                + "/postgres?connectTimeout=2&socketTimeout=60", user, password);
    }

    public void exec(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** First column of every row, as text. */
    public List<String> column(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    public String value(String sql) throws SQLException {
        List<String> rows = column(sql);
        return rows.isEmpty() ? null : rows.get(0);
    }

    /** True when the server answers a query. */
    public boolean answers() {
        try {
            return "1".equals(value("SELECT 1"));
        } catch (SQLException e) {
            return false;
        }
    }

    /** True when this user can log in (pg_hba.conf and password). */
    public boolean canLogIn() {
        try (Connection c = connect()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }
}
