"""The documents the bot makes: the bulletin's text, charts, workbooks, the 《工作简报》 .docx,
and the child process that renders the heavy ones.
"""
