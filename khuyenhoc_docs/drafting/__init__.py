"""Domain core for drafting: fields a clerk fills (fields), Decree 30 formatting (vn), the .docx
templates (builder, templates) and rendering (render). No Flask, no database, no environment."""
